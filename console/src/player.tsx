/** @jsxImportSource preact */
/**
 * Live view of a camera: HLS from MediaMTX played with hls.js (Media Source Extensions), or
 * the browser's native HLS (Safari, iOS) when MSE is missing. An https page cannot load an
 * http stream (mixed content), so the https twin of the URL is tried there.
 */
import HlsLight from "hls.js/light";
import type HlsFull from "hls.js";
import { useEffect, useRef, useState } from "preact/hooks";

// The light build (no subtitles, alternate audio, DRM) has the same API; its types live in
// the full build's declaration file.
const Hls = HlsLight as unknown as typeof HlsFull;
type Hls = HlsFull;

/** The URL the page can load: `url` upgraded to https when the page itself is https. */
export function playableUrl(url: string, pageProtocol: string): string {
  return pageProtocol === "https:" && url.startsWith("http:") ? `https:${url.slice(5)}` : url;
}

/** Props of {@link LiveView}. */
export interface LiveViewProps {
  url: string;
  label: string;
}

/** A muted, inline live player with a plain-language error when the stream cannot be played. */
export function LiveView({ url, label }: LiveViewProps) {
  const ref = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<"loading" | "playing" | "failed">("loading");
  const [problem, setProblem] = useState("");
  const src = playableUrl(url, location.protocol);

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    setState("loading");
    setProblem("");
    const fail = (detail: string) => {
      setState("failed");
      setProblem(
        `Live view unavailable (${detail}). The browser loads ${src} directly from MediaMTX:` +
          (src !== url
            ? " from an https page that needs MediaMTX to serve HLS over https (hlsEncryption) with a certificate this browser trusts."
            : " check that MediaMTX is running and the stream is ready.") +
          " The stream URLs work in a player such as VLC.",
      );
    };
    let hls: Hls | null = null;
    if (Hls.isSupported()) {
      hls = new Hls({ enableWorker: false, lowLatencyMode: true, manifestLoadingMaxRetry: 1 });
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        setState("playing");
        video.play().catch(() => undefined);
      });
      hls.on(Hls.Events.ERROR, (_ev, data) => {
        if (!data.fatal) return;
        fail(`${data.type}: ${data.details}`);
        hls?.destroy();
        hls = null;
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.onloadedmetadata = () => setState("playing");
      video.onerror = () => fail("the stream could not be loaded");
      video.src = src;
      video.play().catch(() => undefined);
    } else {
      fail("this browser plays neither Media Source Extensions nor HLS");
    }
    return () => {
      hls?.destroy();
      video.onerror = null;
      video.removeAttribute("src");
      video.load();
    };
  }, [src]);

  return (
    <div class="live" data-state={state}>
      <video ref={ref} muted playsInline controls aria-label={label} />
      {state === "loading" && <p class="help">Loading live stream…</p>}
      {problem && <p class="error" role="alert">{problem}</p>}
    </div>
  );
}
