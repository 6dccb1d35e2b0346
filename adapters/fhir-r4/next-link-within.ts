/**
 * The next link, normalised, when it stays under the source's base URL; undefined otherwise.
 * Compared after URL parsing (which resolves `..` and `%2e%2e` segments), and refused outright when
 * the path holds what a server might still resolve differently: an encoded slash or backslash, an
 * encoded or literal dot segment, or an empty segment (`//`).
 */
export function nextLinkWithin(next: string, baseUrl: string): string | undefined {
  let url: URL;
  let base: URL;
  try {
    url = new URL(next);
    base = new URL(baseUrl);
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin || url.username || url.password) return undefined;
  const basePath = base.pathname.replace(/\/+$/, '');
  if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return undefined;
  if (/%2f|%5c|\\/i.test(url.pathname) || url.pathname.includes('//')) return undefined;
  const segments = url.pathname.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return '..';
    }
  });
  if (segments.some((s) => s === '.' || s === '..')) return undefined;
  // The raw link, too: a `..` the URL parser resolved is a link written to climb out.
  if (/(^|\/)(\.|%2e){1,2}(\/|$|\?)/i.test(next.slice(base.origin.length))) return undefined;
  return url.href;
}
