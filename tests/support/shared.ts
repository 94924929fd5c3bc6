/** Files of the project's shared folder (`../shared` beside the checkout, in CI too). */
import { fileURLToPath } from "node:url";

/** Absolute path of `rel` inside ../shared. */
export function sharedPath(rel: string): string {
  return fileURLToPath(new URL(`../../../shared/${rel}`, import.meta.url));
}

/** The published API contract (OpenRPC). */
export const CONTRACT_FILE = sharedPath("contract/camera-service.openrpc.json");
