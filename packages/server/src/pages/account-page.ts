import { escapeHtml, recoveryCodesPanel } from './html.js';

/**
 * The hosted account page (`GET /account`): the signed-in user's passkeys, sessions and recovery
 * codes. Static markup only, like the sign-in page: the CSP (`script-src 'self'; style-src
 * 'self'; img-src 'self' data:`) forbids inline script and style, so behaviour lives in
 * /assets/account.js and looks in /assets/page.css + /assets/account.css. Lists are filled in by
 * the script with DOM methods (never innerHTML), from the `<template>`s below; the ids are the
 * script's contract and the tests'.
 */
export function renderAccountPage(opts: { rpName: string }): string {
  const rpName = escapeHtml(opts.rpName);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>Your account · ${rpName}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/page.css">
<link rel="stylesheet" href="/assets/account.css">
<script type="module" src="/assets/account.js"></script>
</head>
<body class="account-page">
<main class="card account" aria-busy="true">
  <header class="account-header">
    <p class="brand"><img src="/assets/favicon.svg" alt="" width="28" height="28"><span>${rpName}</span></p>
    <button id="signout" type="button" class="button quiet compact" hidden>Sign out</button>
  </header>

  <p id="loading" class="muted">Loading your account…</p>
  <noscript><p class="notice">This page needs JavaScript to manage passkeys.</p></noscript>

  <section id="signed-out-view" aria-labelledby="signed-out-title" hidden>
    <h1 id="signed-out-title" tabindex="-1">You are signed out</h1>
    <p class="muted">Sign in with your passkey to manage your account.</p>
    <a href="/" class="button primary">Go to sign-in</a>
  </section>

  <div id="account-view" hidden>
    <h1 id="account-title" tabindex="-1">Your account</h1>
    <p id="account-user" class="muted"></p>

    <div id="recovery-notice" class="callout" hidden>
      <h2 class="callout-title">You signed in with a recovery code</h2>
      <p>To protect your account, this session can only add a passkey and create new recovery codes. Add a passkey on this device or a security key now, then sign in with it to see and manage everything else.</p>
    </div>

    <section id="passkeys-section" class="account-section" aria-labelledby="passkeys-title">
      <div class="section-head">
        <h2 id="passkeys-title" tabindex="-1">Passkeys</h2>
        <button id="add-passkey" type="button" class="button primary compact">Add a passkey</button>
      </div>
      <p id="passkeys-intro" class="muted">You sign in with any of these. Keep more than one, for example on your phone and on a security key, so losing a device does not lock you out.</p>
      <ul id="passkey-list" class="item-list" aria-labelledby="passkeys-title"></ul>
      <div id="recovery-next" class="callout success" hidden>
        <h3 id="recovery-next-title" class="callout-title" tabindex="-1">Your new passkey is ready</h3>
        <p>Sign in with it now to finish recovering your account. This recovery session then ends.</p>
        <button id="recovery-signin" type="button" class="button primary">Sign in with the new passkey</button>
      </div>
    </section>

    <section id="sessions-section" class="account-section" aria-labelledby="sessions-title">
      <div class="section-head">
        <h2 id="sessions-title" tabindex="-1">Where you are signed in</h2>
      </div>
      <ul id="session-list" class="item-list" aria-labelledby="sessions-title"></ul>
      <button id="revoke-others" type="button" class="button secondary">Sign out everywhere else</button>
    </section>

    <section id="recovery-section" class="account-section" aria-labelledby="recovery-title">
      <div class="section-head">
        <h2 id="recovery-title" tabindex="-1">Recovery codes</h2>
      </div>
      <p id="recovery-remaining"></p>
      <p id="recovery-replace-note" class="hint" hidden>Creating new codes makes the ones you have now stop working.</p>
      <button id="create-codes" type="button" class="button secondary">Create new recovery codes</button>
      ${recoveryCodesPanel({ headingLevel: 'h3' })}
    </section>
  </div>

  <p id="status" role="status" aria-live="polite" aria-atomic="true"></p>
</main>

<template id="passkey-item">
  <li class="item">
    <span class="item-icon provider-icon">
      <img class="icon-light" alt="" width="32" height="32" hidden>
      <img class="icon-dark" alt="" width="32" height="32" hidden>
      <svg class="icon-generic" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" stroke-linejoin="round"><circle cx="9" cy="7.5" r="3.5"/><path d="M3 19.5c0-3.3 2.7-6 6-6 1.2 0 2.3.35 3.2.95"/><circle cx="17" cy="13" r="2.5"/><path d="M17 15.5v5.5m0-2.5h2"/></svg>
    </span>
    <div class="item-main">
      <p class="item-title"><span class="item-name"></span> <span class="badge" hidden>Signed in with this</span></p>
      <p class="item-meta provider"></p>
      <p class="item-meta dates"></p>
    </div>
    <div class="item-actions">
      <button type="button" class="button secondary compact rename">Rename</button>
      <button type="button" class="button danger-outline compact delete">Delete</button>
    </div>
    <form class="inline-panel rename-form" novalidate hidden>
      <label>New name</label>
      <input type="text" maxlength="64" autocomplete="off" required>
      <div class="panel-actions">
        <button type="submit" class="button primary compact">Save</button>
        <button type="button" class="button secondary compact cancel">Cancel</button>
      </div>
    </form>
    <div class="inline-panel confirm-delete" role="group" hidden>
      <p class="confirm-text"></p>
      <div class="panel-actions">
        <button type="button" class="button danger compact confirm">Delete passkey</button>
        <button type="button" class="button secondary compact cancel">Keep it</button>
      </div>
    </div>
  </li>
</template>

<template id="session-item">
  <li class="item">
    <span class="item-icon session-icon">
      <svg class="icon-computer" viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" stroke-linejoin="round"><rect x="3" y="4" width="18" height="12" rx="2"/><path d="M8 20h8m-4-4v4"/></svg>
      <svg class="icon-phone" viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" stroke-linejoin="round" hidden><rect x="6.5" y="2.5" width="11" height="19" rx="2.5"/><path d="M11 18.5h2"/></svg>
    </span>
    <div class="item-main">
      <p class="item-title"><span class="item-name"></span> <span class="badge" hidden>This device</span></p>
      <p class="item-meta how"></p>
      <p class="item-meta dates"></p>
    </div>
    <div class="item-actions">
      <button type="button" class="button secondary compact revoke">Sign out</button>
    </div>
  </li>
</template>
</body>
</html>
`;
}
