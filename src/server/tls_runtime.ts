/**
 * The service's TLS at run time: which certificate files (configured, or a generated
 * development certificate), the node:tls options, reload on change or SIGHUP into every
 * listener, expiry warnings, key logging, and the health/metrics view of all of that.
 */
import type https from "node:https";
import type { TLSSocket } from "node:tls";
import type { Config, SslConfig } from "../config/types.ts";
import type { Logger } from "../observability/log.ts";
import type { ServiceMetrics } from "../observability/service_metrics.ts";
import { ensureDevCertificate } from "../tls/devcert.ts";
import { expiryStatus, ExpiryWarner } from "../tls/expiry.ts";
import { attachKeyLog, type KeyLog } from "../tls/keylog.ts";
import { loadTlsMaterial, type TlsMaterial } from "../tls/load.ts";
import { tlsServerOptions } from "../tls/options.ts";
import { CertificateReloader } from "../tls/reload.ts";
import type { Listener, TlsHooks } from "./listener.ts";

export class TlsRuntime {
  #material: TlsMaterial;
  #listeners: Listener[] = [];
  #reloader: CertificateReloader | null = null;
  #warner: ExpiryWarner | null = null;
  #keylog: string | null;
  #keylogs: KeyLog[] = [];

  private constructor(
    private ssl: SslConfig,
    material: TlsMaterial,
    private log: Logger,
    private metrics: ServiceMetrics,
    readonly generated: boolean,
  ) {
    this.#material = material;
    this.#keylog = process.env.SSLKEYLOGFILE || null;
    metrics.setSources({
      certExpiry: () => ({
        not_after_seconds: Math.floor(this.#material.leaf.notAfter.getTime() / 1000),
        days_left: expiryStatus(this.#material.leaf).days_left,
      }),
    });
  }

  /**
   * Resolve the certificate (generating a development one when the config names none),
   * load and check it. Throws TlsConfigError with a precise message on any broken file.
   */
  static async create(config: Config, log: Logger, metrics: ServiceMetrics): Promise<TlsRuntime> {
    let ssl = config.security.ssl;
    let generated = false;
    if (!ssl.cert_file) {
      const dev = await ensureDevCertificate(config.data_dir, { log });
      ssl = { ...ssl, cert_file: dev.certFile, key_file: dev.keyFile };
      generated = true;
      if (!dev.generated) {
        log.info("using the self-signed development certificate", {
          cert_file: dev.certFile,
          hint:
            "clients trust this file (rpc uses it by default); set security.ssl.cert_file for a real certificate",
        });
      }
    }
    const material = await loadTlsMaterial(ssl);
    const rt = new TlsRuntime(ssl, material, log, metrics, generated);
    const leaf = material.leaf;
    const fields = {
      subject: leaf.subject,
      not_after: leaf.notAfter.toISOString(),
      days_left: leaf.daysLeft,
      verify_mode: ssl.verify_mode,
    };
    if (material.expired) {
      log.error(
        "the TLS certificate has EXPIRED; serving anyway so the box stays reachable. Renew it (cert files are reloaded automatically).",
        fields,
      );
    } else log.info("TLS certificate loaded", fields);
    if (rt.#keylog) {
      log.warn(
        "SSLKEYLOGFILE is set: TLS session keys are written to it (debugging only; anyone with the file can decrypt the traffic)",
        { file: rt.#keylog },
      );
    }
    return rt;
  }

  serverOptions(): https.ServerOptions {
    return tlsServerOptions(this.#material, this.ssl);
  }

  hooks(): TlsHooks {
    return {
      onHandshake: (s: TLSSocket) => this.metrics.handshake(s),
      onHandshakeError: (r) => this.metrics.handshakeFailed(r),
      onClientCertRejected: (r) => this.metrics.clientCertRejected(r),
    };
  }

  /** Start serving these listeners: reload targets, key log, watches and expiry warnings. */
  attach(listeners: Listener[]): void {
    this.#listeners = listeners;
    if (this.#keylog) {
      for (const l of listeners) attachKeyLog(l.server as https.Server, this.#keylog, this.log);
    }
    this.#reloader = new CertificateReloader({
      ssl: this.ssl,
      initial: this.#material,
      log: this.log,
      apply: (m: TlsMaterial) => this.#apply(m),
      onReload: (r) => {
        if (!r.ok) this.metrics.reloaded("failed");
      },
    });
    this.#warner = new ExpiryWarner({ log: this.log, current: () => this.#material.leaf });
  }

  #apply(m: TlsMaterial): void {
    this.#material = m;
    const opts = tlsServerOptions(m, this.ssl);
    for (const l of this.#listeners) l.setSecureContext(opts);
    this.metrics.reloaded("ok");
    this.#warner?.check();
  }

  /** Re-read the files now (SIGHUP). */
  async reload(reason: string): Promise<void> {
    if (!this.#reloader) return;
    const r = await this.#reloader.reload(reason);
    this.log.info("certificate reload requested", {
      reason,
      ok: r.ok,
      error: r.error ?? undefined,
    });
  }

  /** TLS facts for /health/ready and /health/system. */
  health(): { status: "healthy" | "degraded" | "unhealthy"; [k: string]: unknown } {
    const exp = expiryStatus(this.#material.leaf);
    const reload = this.#reloader?.status() ??
      { ok: true, lastError: null, lastReloadAt: null };
    const status = !reload.ok && exp.status === "healthy" ? "degraded" : exp.status;
    return {
      status,
      enabled: true,
      subject: this.#material.leaf.subject,
      not_after: exp.not_after,
      days_left: exp.days_left,
      warning: exp.warning,
      self_signed_dev_certificate: this.generated,
      verify_mode: this.ssl.verify_mode,
      last_reload_error: reload.lastError,
      last_reload_at: reload.lastReloadAt?.toISOString() ?? null,
      keylog_enabled: this.#keylog !== null,
    };
  }

  async close(): Promise<void> {
    this.#warner?.close();
    for (const k of this.#keylogs) k.close();
    await this.#reloader?.close();
  }
}
