// Turns a User-Agent header into words for the sessions list ("Chrome on macOS"). A rough guess is
// enough: it only helps the user recognise their own devices, and it decides nothing.

export interface UserAgentSummary {
  /** E.g. "Firefox on Windows", "Safari on iPhone", or "Unknown browser". */
  label: string;
  /** A phone or tablet, for the icon. */
  mobile: boolean;
}

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
const BROWSERS: [RegExp, string][] = [
  [/\bEdgA?\//, 'Edge'],
  [/\bOPR\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\bHeadlessChrome\//, 'Chrome (headless)'],
  [/\b(?:Chrome|CriOS)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string][] = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

export function describeUserAgent(userAgent: string | null): UserAgentSummary {
  if (userAgent === null || userAgent.trim() === '') {
    return { label: 'Unknown browser', mobile: false };
  }
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const mobile = /\b(?:Mobile|iPhone|iPad|Android)\b/.test(userAgent);
  if (browser !== undefined && system !== undefined) {
    return { label: `${browser} on ${system}`, mobile };
  }
  return {
    label: browser ?? (system === undefined ? 'Unknown browser' : `A browser on ${system}`),
    mobile,
  };
}
