// Node's legacy `url.parse`, the one call mqtt.js makes (connect/index.js), on the WHATWG URL.
// It returns the fields mqtt.js reads, as Node would (test/vendor.test.ts compares them).
function parse(href) {
  let u;
  try {
    u = new URL(href);
  } catch {
    // a relative address such as `/mqtt`: no protocol, no host (mqtt.js then uses the page's)
    const [path, search = ''] = String(href).split('?');
    return { protocol: null, slashes: null, auth: null, host: null, port: null, hostname: null, hash: null, search: search ? `?${search}` : null, query: Object.fromEntries(new URLSearchParams(search)), pathname: path, path: href, href };
  }
  return {
    protocol: u.protocol,
    slashes: true,
    auth: u.username ? `${decodeURIComponent(u.username)}${u.password ? `:${decodeURIComponent(u.password)}` : ''}` : null,
    host: u.host,
    port: u.port || null,
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    hash: u.hash || null,
    search: u.search || null,
    query: Object.fromEntries(u.searchParams),
    pathname: u.pathname,
    path: u.pathname + u.search,
    href: u.href,
  };
}
module.exports = { parse };
