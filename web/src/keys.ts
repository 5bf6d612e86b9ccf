import { ApiKey } from '../../src/domain/api-key';
import * as api from './api';
import { ApiError, KeyRecord } from './api';
import { checkAll, checkAsTyped, clearErrors, element, onSubmit, showApiErrors, showError } from './forms';
import { checkEmail, checkLabel } from './rules';

/** What the rest of the page does for the log-in form and the Keys panel. */
export interface KeysPage {
  /** The key this tab holds. */
  key(): string | undefined;
  /** Holds a key the log-in made and opens its dashboard. */
  enter(key: string): void;
  /** Shows a key once, with its Copy button and warning. */
  showNewKey(key: string): void;
  /** The tab's key stopped working: forget it and go back to the start, saying why. */
  leave(reason: string): void;
  /** A 401 on a call made with the tab's key: true when the page has gone back to the start. */
  keyRefused(errors: readonly ApiError[]): boolean;
}

const panel = () => element('keys');
const list = () => element<HTMLUListElement>('keys-list');
const dialog = () => element<HTMLDialogElement>('revoke-dialog');

/** "Try again in 14 minutes." from a 429's Retry-After, so a person knows how long to wait. */
export function waitMessage(seconds: number): string {
  if (seconds < 60) return `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

function withWait(errors: readonly ApiError[]): ApiError[] {
  return errors.map((error) =>
    error.status === 429 && error.retryAfterSeconds !== undefined
      ? { ...error, field: undefined, detail: `Too many attempts. ${waitMessage(error.retryAfterSeconds)}` }
      : error,
  );
}

const when = (iso: string | null) => (iso === null ? 'never' : `${iso.slice(0, 16).replace('T', ' ')} UTC`);

function row(record: KeyRecord, own: boolean, revoke: (record: KeyRecord) => void): HTMLLIElement {
  const item = document.createElement('li');
  const about = document.createElement('div');
  about.className = 'about';
  const label = document.createElement('strong');
  label.textContent = record.label ?? '(no label)';
  const prefix = document.createElement('code');
  prefix.textContent = record.prefix === null ? 'inc_…' : `${ApiKey.PREFIX}${record.prefix}…`;
  const dates = document.createElement('span');
  dates.className = 'when';
  dates.textContent = `Created ${when(record.createdAt)} · last used ${when(record.lastUsedAt)}${own ? ' · this tab' : ''}`;
  about.append(label, ' ', prefix, dates);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  button.textContent = 'Revoke';
  button.setAttribute('aria-label', `Revoke ${record.label ?? 'the key'} ${prefix.textContent}`);
  button.addEventListener('click', () => revoke(record));
  item.append(about, button);
  return item;
}

export function mountKeys(page: KeysPage): { show(): void; hide(): void } {
  let pending: KeyRecord | undefined;
  const isOwn = (record: KeyRecord) => record.prefix !== null && page.key() !== undefined && ApiKey.prefixOf(page.key()!) === record.prefix;

  async function refresh(): Promise<void> {
    const key = page.key();
    if (key === undefined) return;
    const outcome = await api.listKeys(key);
    if (!outcome.ok) {
      if (!page.keyRefused(outcome.errors)) showError(panel(), 'keys', outcome.errors.map((error) => error.detail).join(' '));
      return;
    }
    list().replaceChildren(...outcome.value.map((record) => row(record, isOwn(record), confirmRevoke)));
  }

  function confirmRevoke(record: KeyRecord): void {
    pending = record;
    const name = record.label === null ? 'This key' : `“${record.label}”`;
    element('revoke-what').textContent =
      `${name} (${record.prefix === null ? 'inc_…' : `${ApiKey.PREFIX}${record.prefix}…`}) stops working at once, for every program using it.` +
      (isOwn(record) ? ' It is the key this tab uses: you will be back at the log-in.' : '');
    dialog().showModal();
  }

  element('revoke-cancel').addEventListener('click', () => dialog().close());
  element('revoke-confirm').addEventListener('click', async () => {
    const record = pending;
    dialog().close();
    if (!record || page.key() === undefined) return;
    const own = isOwn(record);
    const outcome = await api.revokeKey(page.key()!, record.id);
    if (!outcome.ok) {
      if (!page.keyRefused(outcome.errors)) showError(panel(), 'keys', outcome.errors.map((error) => error.detail).join(' '));
      return;
    }
    showError(panel(), 'keys', undefined);
    if (own) page.leave("This tab's key was revoked. Log in to get a new one.");
    else await refresh();
  });

  const createForm = element<HTMLFormElement>('create-key-form');
  checkAsTyped(createForm, 'label', checkLabel);
  onSubmit(createForm, async () => {
    if (!checkAll(createForm, { label: checkLabel }) || page.key() === undefined) return;
    const input = createForm.querySelector<HTMLInputElement>('input[name="label"]')!;
    const outcome = await api.createKey(page.key()!, input.value === '' ? undefined : input.value);
    if (!outcome.ok) {
      if (!page.keyRefused(outcome.errors)) showApiErrors(createForm, outcome.errors);
      return;
    }
    createForm.reset();
    page.showNewKey(outcome.value.apiKey);
    await refresh();
  });

  const logInForm = element<HTMLFormElement>('log-in-form');
  const passwordGiven = (raw: string) => (raw === '' ? 'Enter the password of your account.' : undefined);
  checkAsTyped(logInForm, 'email', checkEmail);
  onSubmit(logInForm, async () => {
    if (!checkAll(logInForm, { email: checkEmail, password: passwordGiven })) return;
    const email = logInForm.querySelector<HTMLInputElement>('input[name="email"]')!;
    const password = logInForm.querySelector<HTMLInputElement>('input[name="password"]')!;
    const outcome = await api.logIn(email.value, password.value);
    if (!outcome.ok) {
      // A wrong email and a wrong password are one answer, about neither field alone.
      showApiErrors(logInForm, withWait(outcome.errors).map((error) => ({ ...error, field: undefined })));
      return;
    }
    logInForm.reset();
    clearErrors(logInForm);
    page.enter(outcome.value.apiKey);
  });

  return {
    show() {
      panel().hidden = false;
      showError(panel(), 'keys', undefined);
      list().replaceChildren();
      void refresh();
    },
    hide() {
      panel().hidden = true;
      list().replaceChildren();
      if (dialog().open) dialog().close();
    },
  };
}

/** Says on the log-in form why the tab is back at the start. */
export function explainOnLogIn(reason: string): void {
  const form = element<HTMLFormElement>('log-in-form');
  clearErrors(form);
  showError(form, 'form', reason);
}
