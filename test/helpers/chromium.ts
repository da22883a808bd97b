/**
 * How every browser test starts Debian's Chromium (installed by .ci/run): never a downloaded
 * browser, and without the background networking that this machine's closed network refuses.
 */
export const chromiumLaunch = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
