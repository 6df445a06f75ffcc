import { Browser, chromium } from 'playwright-core';

/** Debian's chromium (installed by scripts/ensure-chromium.js; browser downloads are not possible here), headless and quiet. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
