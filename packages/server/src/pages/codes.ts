// The "save your recovery codes" panel (markup: recoveryCodesPanel in html.ts), shared by the
// sign-in page (after sign-up) and the account page. Shows the codes once, offers Copy and a
// .txt download, and resolves when the user says they saved them.
import { byId } from './dom.js';

export interface CodesPanelText {
  username: string;
  site: string;
}

export interface CodesPanel {
  /** Shows `codes`, moves focus to the panel's heading, resolves on "I saved my codes". */
  show(codes: string[], text: CodesPanelText): Promise<void>;
  /** Hides the panel and forgets the codes (also revokes the download's blob: URL). */
  hide(): void;
}

/**
 * Wires the panel. `say` reports outcomes (copied, or how to copy by hand) through the page's
 * single live region.
 */
export function codesPanel(say: (message: string, tone: 'info' | 'success') => void): CodesPanel {
  const view = byId('codes-view');
  const title = byId('codes-title');
  const list = byId('codes-list', HTMLOListElement);
  const copy = byId('codes-copy', HTMLButtonElement);
  const download = byId('codes-download', HTMLAnchorElement);
  const done = byId('codes-done', HTMLButtonElement);
  let blobUrl: string | undefined;
  let fileText = '';
  let resolveDone: (() => void) | undefined;

  copy.addEventListener('click', () => {
    void copyCodes();
  });
  download.addEventListener('click', (event) => {
    if (blobUrl === undefined) event.preventDefault();
    else say('Downloading recovery-codes.txt.', 'info');
  });
  done.addEventListener('click', () => {
    const resolve = resolveDone;
    hide();
    resolve?.();
  });

  async function copyCodes(): Promise<void> {
    try {
      // Needs a secure context and, in some browsers, the clipboard-write permission.
      await navigator.clipboard.writeText(fileText);
      say('Recovery codes copied. Paste them somewhere safe.', 'success');
    } catch {
      // No clipboard access: select the codes so that the usual copy shortcut works.
      const selection = window.getSelection();
      selection?.selectAllChildren(list);
      say(
        'Copying is not allowed here. The codes are selected: press Ctrl+C (⌘C on a Mac).',
        'info',
      );
    }
  }

  function hide(): void {
    view.hidden = true;
    list.replaceChildren();
    fileText = '';
    resolveDone = undefined;
    if (blobUrl !== undefined) URL.revokeObjectURL(blobUrl);
    blobUrl = undefined;
    download.href = '#';
  }

  function show(codes: string[], text: CodesPanelText): Promise<void> {
    hide();
    list.replaceChildren(
      ...codes.map((code) => {
        const item = document.createElement('li');
        // Read aloud character by character rather than as made-up words.
        item.textContent = code;
        return item;
      }),
    );
    const created = new Intl.DateTimeFormat('en-CA').format(new Date());
    fileText = [
      `Recovery codes for ${text.username} at ${text.site}`,
      `Created ${created}. Each code works once; creating new codes cancels these.`,
      'Keep them somewhere safe, apart from your devices.',
      '',
      ...codes,
      '',
    ].join('\n');
    blobUrl = URL.createObjectURL(new Blob([fileText], { type: 'text/plain;charset=utf-8' }));
    download.href = blobUrl;
    view.hidden = false;
    title.focus();
    return new Promise((resolve) => {
      resolveDone = resolve;
    });
  }

  return { show, hide };
}
