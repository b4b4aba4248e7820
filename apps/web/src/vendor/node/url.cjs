// Node's legacy `url.parse`, the one call mqtt.js makes (connect/index.js), on the WHATWG URL.
function parse(href) {
  const u = new URL(href);
  return {
    protocol: u.protocol,
    slashes: true,
    auth: u.username ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : null,
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
