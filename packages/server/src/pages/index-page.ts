import { escapeHtml, recoveryCodesPanel } from './html.js';

/**
 * The hosted sign-in page (`GET /`). Static markup only: the CSP (`script-src 'self'; style-src
 * 'self'`) forbids inline script and style, so behaviour lives in /assets/page.js and looks in
 * /assets/page.css. The page script finds elements by the ids below; tests use them too.
 */
export function renderIndexPage(opts: { rpName: string; redirectTo?: string | null }): string {
  const rpName = escapeHtml(opts.rpName);
  // An allow-listed return URL (see ./redirect.ts): the script goes there after signing in.
  const redirectTo = opts.redirectTo ?? null;
  const redirect = redirectTo === null ? '' : ` data-redirect-to="${escapeHtml(redirectTo)}"`;
  // Already signed in with a return URL: a link back rather than an automatic redirect, so that
  // an app that keeps sending the user here cannot make the two bounce forever.
  const returnLink =
    redirectTo === null
      ? ''
      : `<a id="return-link" href="${escapeHtml(redirectTo)}" class="button primary">Continue to ${escapeHtml(new URL(redirectTo).host)}</a>
    `;
  const manageClass = redirectTo === null ? 'primary' : 'secondary';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Sign in · ${rpName}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/page.css">
<script type="module" src="/assets/page.js"></script>
</head>
<body>
<main class="card" aria-busy="true"${redirect}>
  <p class="brand"><img src="/assets/favicon.svg" alt="" width="28" height="28"><span>${rpName}</span></p>

  <p id="loading" class="muted">Checking whether you are signed in…</p>
  <noscript><p class="notice">This page needs JavaScript to use passkeys.</p></noscript>

  <section id="signed-out" aria-labelledby="signed-out-title" hidden>
    <h1 id="signed-out-title" tabindex="-1">Sign in</h1>
    <p class="muted">Use your passkey: your fingerprint, face or screen lock. New here? Enter the username you want.</p>

    <form id="username-form" novalidate>
      <label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username webauthn"
        autocapitalize="none" autocorrect="off" spellcheck="false" maxlength="64" required
        aria-describedby="username-hint">
      <p id="username-hint" class="hint">3–64 letters, digits, dots, underscores or hyphens.</p>
      <button id="continue" type="submit" class="button primary">Continue</button>
    </form>

    <div id="create-offer" class="offer" hidden>
      <p id="create-text">There is no account named <strong id="create-username"></strong>. Create one with a passkey on this device?</p>
      <button id="create-account" type="button" class="button primary" aria-describedby="create-text">Create account</button>
      <button id="create-cancel" type="button" class="button quiet">Use a different username</button>
    </div>

    <p class="divider"><span>or</span></p>
    <button id="passkey-signin" type="button" class="button secondary">Sign in with a passkey</button>

    <button id="recover-toggle" type="button" class="button quiet" aria-expanded="false" aria-controls="recover-form">Lost your passkey? Use a recovery code</button>
    <form id="recover-form" class="offer" novalidate hidden aria-labelledby="recover-title">
      <h2 id="recover-title" class="offer-title">Sign in with a recovery code</h2>
      <p id="recover-hint" class="hint">Use one of the codes you saved when you created your account. It works once and lets you add a new passkey.</p>
      <label for="recover-username">Username</label>
      <input id="recover-username" name="username" type="text" autocomplete="username"
        autocapitalize="none" autocorrect="off" spellcheck="false" maxlength="64" required>
      <label for="recover-code">Recovery code</label>
      <input id="recover-code" name="code" type="text" autocomplete="one-time-code"
        autocapitalize="characters" autocorrect="off" spellcheck="false" maxlength="40" required
        placeholder="XXXX-XXXX-XXXX-XXXX" aria-describedby="recover-hint">
      <button id="recover-submit" type="submit" class="button primary">Continue with recovery code</button>
      <button id="recover-cancel" type="button" class="button quiet">Cancel</button>
    </form>
  </section>

  ${recoveryCodesPanel({ headingLevel: 'h1' })}

  <section id="signed-in" aria-labelledby="signed-in-title" hidden>
    <h1 id="signed-in-title" tabindex="-1">Signed in as <span id="signed-in-username"></span></h1>
    <p id="signed-in-detail" class="muted"></p>
    ${returnLink}<a id="manage-link" href="/account" class="button ${manageClass}">Manage passkeys</a>
    <button id="signout" type="button" class="button secondary">Sign out</button>
  </section>

  <p id="status" role="status" aria-live="polite" aria-atomic="true"></p>
</main>
</body>
</html>
`;
}
