// Helpers shared by the hosted pages' HTML renderers (server side).

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * The "save your recovery codes" panel, shown once after the codes are created: on the sign-in
 * page right after sign-up, and on the account page. `/assets/codes.ts` drives it; the ids below
 * are its contract (and the tests'). The Download link gets a `blob:` URL from the script: no
 * inline script or data URL is needed, so the pages' CSP stays as strict as it is.
 */
export function recoveryCodesPanel(opts: { headingLevel: 'h1' | 'h2' | 'h3' }): string {
  const h = opts.headingLevel;
  return `<section id="codes-view" class="codes-panel" aria-labelledby="codes-title" hidden>
    <${h} id="codes-title" tabindex="-1">Save your recovery codes</${h}>
    <p id="codes-intro">If you lose your passkeys, each code lets you sign in once to add a new passkey. They are shown only now: copy or download them and keep them somewhere safe, apart from your devices.</p>
    <ol id="codes-list" class="codes-list" aria-describedby="codes-intro"></ol>
    <div class="codes-actions">
      <button id="codes-copy" type="button" class="button secondary">Copy codes</button>
      <a id="codes-download" class="button secondary" download="recovery-codes.txt" href="#">Download .txt</a>
    </div>
    <button id="codes-done" type="button" class="button primary">I saved my codes</button>
  </section>`;
}
