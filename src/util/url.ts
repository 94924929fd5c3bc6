/** Credentials in URLs never reach logs, answers or printed config. */

/**
 * Replaces the `user:password@` part of every URL in `text` with `***@`, wherever the URL
 * stands (a bare URL, or one quoted inside a tool's error message). Nothing else is changed.
 */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s?#]*@/gi, "$1***@");
}
