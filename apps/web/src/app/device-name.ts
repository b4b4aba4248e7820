/**
 * A name people recognise for this browser, from its user agent: "Chrome on Linux", "Safari on
 * iOS". Sent with `auth.login` (`name`), so the Account page of any device lists it by that name;
 * its owner can rename it there (`auth.rename`). Order matters: Edge and Opera say "Chrome" too,
 * Chrome says "Safari", Android says "Linux".
 */
type Rule = readonly [RegExp, string];
const first = (rules: Rule[], ua: string): string | undefined => rules.find(([re]) => re.test(ua))?.[1];

export function browserName(ua: string): string {
  const browser =
    first(
      [
        [/Edg(e|A|iOS)?\//, 'Edge'],
        [/OPR\/|Opera/, 'Opera'],
        [/SamsungBrowser/, 'Samsung Internet'],
        [/Firefox\/|FxiOS/, 'Firefox'],
        [/Chrom(e|ium)\/|CriOS/, 'Chrome'],
        [/Safari\//, 'Safari'],
      ],
      ua,
    ) ?? 'Web browser';
  const os =
    first(
      [
        [/Windows/, 'Windows'],
        [/Android/, 'Android'],
        [/iPad/, 'iPadOS'],
        [/iPhone|iPod/, 'iOS'],
        [/CrOS/, 'ChromeOS'],
        [/Mac OS X|Macintosh/, 'macOS'],
        [/Linux|X11/, 'Linux'],
      ],
      ua,
    ) ?? '';
  return os ? `${browser} on ${os}` : browser;
}

/** This browser's name, or undefined where there is no navigator (tests in Node). */
export function thisBrowserName(): string | undefined {
  return typeof navigator === 'undefined' ? undefined : browserName(navigator.userAgent);
}

/** `{ name }` for `auth.login`, or nothing. */
export function loginName(): { name?: string } {
  const name = thisBrowserName();
  return name ? { name } : {};
}
