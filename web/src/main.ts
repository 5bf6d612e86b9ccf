import * as api from './api';
import { ApiError } from './api';
import { checkAll, checkAsTyped, clearErrors, element, onSubmit, showApiErrors, showError } from './forms';
import { explainOnLogIn, mountKeys } from './keys';
import { checkApiKey, checkCounterValue, checkEmail, checkPassword, checkSequenceName, checkStartValue, PASSWORD_HINT } from './rules';

/**
 * The page: sign up and see the key once, or bring a key; then drive the account's sequences
 * (next, a range of ten, a conditional reset, a new sequence) and copy ready-made curl lines. It holds the key in sessionStorage (this tab only), never in
 * localStorage or a cookie, and talks to the service through its public API alone.
 */
const KEY_STORAGE = 'increment.apiKey';
const ACTIVITY_LIMIT = 20;
const RANGE = 10;

const view = {
  start: element('start'),
  newKey: element('new-key'),
  newKeyTitle: element('new-key-title'),
  newKeyValue: element('new-key-value'),
  dashboard: element('dashboard'),
  dashboardTitle: element('dashboard-title'),
  sequences: element<HTMLUListElement>('sequences'),
  results: element('results'),
  activity: element<HTMLUListElement>('activity'),
  curl: element('curl'),
};

let key: string | undefined;
/** The value each sequence shows: what a reset expects it still to be (If-Match). */
const shown = new Map<string, number>();
/** Calls finish in any order; a sequence shows the answer to the latest call that concerned it. */
let latestCall = 0;
const shownCall = new Map<string, number>();

// ---- keeping the key for this tab --------------------------------------------------------

function readStoredKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
  } catch {
    return undefined; // storage disabled: the key lives in memory only
  }
}

function holdKey(newKey: string | undefined): void {
  key = newKey;
  try {
    if (newKey === undefined) sessionStorage.removeItem(KEY_STORAGE);
    else sessionStorage.setItem(KEY_STORAGE, newKey);
  } catch {
    // storage disabled: the key lives in memory only
  }
}

// ---- screens -------------------------------------------------------------------------------

function showStart(): void {
  keysPanel.hide();
  view.newKeyValue.textContent = '';
  view.start.hidden = false;
  view.newKey.hidden = true;
  view.dashboard.hidden = true;
  view.curl.hidden = true;
}

function showDashboard(): void {
  view.start.hidden = true;
  view.dashboard.hidden = false;
  view.curl.hidden = false;
  view.activity.replaceChildren();
  view.results.hidden = true;
  fillCurlLines(key!);
  keysPanel.show();
}

function showNewKey(newKey: string): void {
  view.newKeyValue.textContent = newKey;
  element('copy-new-key-status').textContent = '';
  view.newKey.hidden = false;
  view.newKeyTitle.focus();
}

function fillCurlLines(apiKey: string): void {
  const origin = window.location.origin;
  const auth = `-H ${shellQuote(`Authorization: Bearer ${apiKey}`)}`;
  showCommand('curl-next', ['curl', '-X POST', auth, `${origin}/v1/next`]);
  showCommand('curl-current', ['curl', auth, `${origin}/v1/current`]);
  showCommand('curl-reset', ['curl', '-X PUT', auth, `${origin}/v1/current`, '--data "current=1000"']);
  // A key made once per page view: copying the line twice retries the same request.
  // getRandomValues, not randomUUID, which only secure contexts (https, localhost) have.
  const random = [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  const idempotencyKey = `page-${random}`;
  showCommand('curl-range', ['curl', '-X POST', auth, `-H ${shellQuote(`Idempotency-Key: ${idempotencyKey}`)}`, `"${origin}/v1/sequences/default/next?count=${RANGE}"`]);
}

/**
 * A command as its words (an option with its value is one word), each kept whole on screen: a
 * narrow screen wraps the line between words, and scrolls a word wider than the box. The text,
 * which Copy takes, is the exact line: the words joined by single spaces.
 */
function showCommand(id: string, words: readonly string[]): void {
  const spans = words.map((word) => {
    const span = document.createElement('span');
    span.className = 'word';
    span.textContent = word;
    return span;
  });
  element(id).replaceChildren(...spans.flatMap((span, index) => (index === 0 ? [span] : [' ', span])));
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A line in the results, newest first. */
function record(text: string, failed = false): void {
  const line = document.createElement('li');
  line.textContent = text;
  if (failed) line.className = 'failed';
  view.activity.prepend(line);
  view.results.hidden = false;
  while (view.activity.children.length > ACTIVITY_LIMIT) view.activity.lastElementChild!.remove();
}

function rangeText(issued: api.Issued): string {
  return issued.count === 1 ? String(issued.first) : `${issued.first}–${issued.last}`;
}

/** Shows a sequence's value, unless a later call about it has answered already. */
function showValue(name: string, value: number, call = ++latestCall): void {
  if (call < (shownCall.get(name) ?? 0)) return;
  shownCall.set(name, call);
  shown.set(name, value);
  const output = view.sequences.querySelector<HTMLOutputElement>(`[data-sequence="${name}"] output`);
  if (output) output.value = String(value);
}

function create<K extends keyof HTMLElementTagNameMap>(tag: K, properties: Partial<HTMLElementTagNameMap[K]> = {}): HTMLElementTagNameMap[K] {
  return Object.assign(document.createElement(tag), properties);
}

/** One sequence: its name and value, Next, Next 10, and a reset that holds only if the value is still the one shown. */
function sequenceRow(name: string): HTMLLIElement {
  const row = create('li', { className: 'sequence' });
  row.dataset.sequence = name;
  const title = create('h4', { id: `sequence-${name}`, className: 'sequence-name', textContent: name });
  const value = create('output', { className: 'sequence-value' });
  value.setAttribute('aria-labelledby', title.id);
  value.setAttribute('aria-live', 'polite');
  const next = create('button', { type: 'button', textContent: 'Next' });
  const range = create('button', { type: 'button', className: 'secondary', textContent: `Next ${RANGE}` });
  next.id = `next-${name}`;
  range.id = `range-${name}`;
  for (const button of [next, range]) button.setAttribute('aria-describedby', title.id);
  next.addEventListener('click', () => void issue(name, 1));
  range.addEventListener('click', () => void issue(name, RANGE));
  const actions = create('div', { className: 'actions' });
  actions.append(next, range);

  const form = create('form', { className: 'reset-form', noValidate: true });
  const inputId = `reset-${name}`;
  const label = create('label', { htmlFor: inputId, textContent: `Reset ${name} to` });
  const input = create('input', { id: inputId, name: 'value', type: 'text', inputMode: 'numeric', autocomplete: 'off', required: true });
  input.setAttribute('aria-describedby', `${inputId}-hint ${inputId}-error`);
  const inline = create('div', { className: 'inline' });
  inline.append(input, create('button', { type: 'submit', textContent: 'Reset' }));
  const hint = create('p', { id: `${inputId}-hint`, className: 'hint', textContent: 'Only if it still holds the value shown; otherwise nothing changes.' });
  const error = create('p', { id: `${inputId}-error`, className: 'error' });
  error.dataset.errorFor = 'value';
  const field = create('div', { className: 'field' });
  field.append(label, inline, hint, error);
  form.append(field);
  checkAsTyped(form, 'value', checkCounterValue);
  onSubmit(form, () => reset(name, form, input));

  row.append(title, value, actions, form);
  return row;
}

function renderSequences(sequences: readonly api.SequenceView[]): void {
  shown.clear();
  shownCall.clear();
  view.sequences.replaceChildren(...sequences.map((sequence) => sequenceRow(sequence.name)));
  for (const sequence of sequences) showValue(sequence.name, sequence.value);
}

async function refresh(): Promise<void> {
  const outcome = await api.listSequences(key!);
  if (!outcome.ok && keyRefused(outcome.errors)) return;
  showError(view.dashboard, 'dashboard', outcome.ok ? undefined : details(outcome.errors));
  if (outcome.ok) renderSequences(outcome.value);
}

async function issue(name: string, count: number): Promise<void> {
  const call = ++latestCall;
  const action = count === 1 ? `${name}: next` : `${name}: next ${count}`;
  const outcome = await api.nextOf(key!, name, count);
  if (!outcome.ok && keyRefused(outcome.errors)) return;
  showError(view.dashboard, 'dashboard', outcome.ok ? undefined : details(outcome.errors));
  if (!outcome.ok) return record(`${action} failed: ${details(outcome.errors)}`, true);
  showValue(name, outcome.value.last, call);
  record(`${action} → ${rangeText(outcome.value)}`);
}

/** A refused reset shows its reason next to the field; a 412 also shows the value the sequence holds now. */
async function reset(name: string, form: HTMLFormElement, input: HTMLInputElement): Promise<void> {
  if (!checkAll(form, { value: checkCounterValue })) return;
  const call = ++latestCall;
  const target = input.value;
  const outcome = await api.resetSequence(key!, name, target, shown.get(name) ?? 0);
  if (!outcome.ok && keyRefused(outcome.errors)) return;
  clearErrors(form);
  if (outcome.ok) {
    showValue(name, outcome.value.value, call);
    record(`${name}: reset to ${target} → ${outcome.value.value}`);
    form.reset();
    return;
  }
  record(`${name}: reset to ${target} failed: ${details(outcome.errors)}`, true);
  const moved = outcome.errors.find((error) => error.current !== undefined && error.status === 412);
  if (moved) showValue(name, moved.current!, call);
  const aboutValue = outcome.errors.filter((error) => error.field === 'value');
  if (aboutValue.length > 0) showApiErrors(form, aboutValue);
  const others = outcome.errors.filter((error) => error.field !== 'value');
  showError(view.dashboard, 'dashboard', others.length > 0 ? details(others) : undefined);
}

function details(errors: readonly ApiError[]): string {
  return errors.map((error) => error.detail).join(' ');
}

/** A key the service no longer knows (or never knew): forget it and go back to the start. */
function keyRefused(errors: readonly ApiError[]): boolean {
  if (!errors.some((error) => error.status === 401)) return false;
  holdKey(undefined);
  showStart();
  const form = element('use-key-form');
  clearErrors(form);
  showApiErrors(form, errors.filter((error) => error.status === 401).map((error) => ({ ...error, field: 'key' })));
  return true;
}

// ---- wiring --------------------------------------------------------------------------------

const keysPanel = mountKeys({
  key: () => key,
  enter(newKey) {
    holdKey(newKey);
    showDashboard();
    void refresh();
    view.dashboardTitle.focus();
  },
  showNewKey,
  leave(reason) {
    holdKey(undefined);
    showStart();
    explainOnLogIn(reason);
    element<HTMLInputElement>('log-in-email').focus();
  },
  keyRefused: (errors) => keyRefused(errors),
});

element('signup-password-hint').textContent = PASSWORD_HINT;
const signupForm = element<HTMLFormElement>('signup-form');
checkAsTyped(signupForm, 'email', checkEmail);
checkAsTyped(signupForm, 'password', checkPassword);
onSubmit(signupForm, async () => {
  if (!checkAll(signupForm, { email: checkEmail, password: checkPassword })) return;
  const email = signupForm.querySelector<HTMLInputElement>('input[name="email"]')!;
  const password = signupForm.querySelector<HTMLInputElement>('input[name="password"]')!;
  const outcome = await api.register(email.value, password.value);
  if (!outcome.ok) return showApiErrors(signupForm, outcome.errors);
  signupForm.reset();
  holdKey(outcome.value.apiKey);
  showDashboard();
  renderSequences([{ name: 'default', value: 0 }]); // a new account has only default, at 0
  showNewKey(outcome.value.apiKey);
});

const useKeyForm = element<HTMLFormElement>('use-key-form');
onSubmit(useKeyForm, async () => {
  if (!checkAll(useKeyForm, { key: checkApiKey })) return;
  const input = useKeyForm.querySelector<HTMLInputElement>('input[name="key"]')!;
  const candidate = input.value.trim();
  const outcome = await api.listSequences(candidate);
  // A refused key is about the key; anything else (the service unreachable) is not.
  if (!outcome.ok) return showApiErrors(useKeyForm, outcome.errors.map((error) => (error.status === 401 ? { ...error, field: 'key' } : error)));
  useKeyForm.reset();
  holdKey(candidate);
  showDashboard();
  renderSequences(outcome.value);
  view.dashboardTitle.focus();
});

element('dismiss-new-key').addEventListener('click', () => {
  view.newKeyValue.textContent = '';
  view.newKey.hidden = true;
  view.dashboardTitle.focus();
});

element('refresh-button').addEventListener('click', () => void refresh());

const createForm = element<HTMLFormElement>('create-form');
checkAsTyped(createForm, 'name', checkSequenceName);
checkAsTyped(createForm, 'value', checkStartValue);
onSubmit(createForm, async () => {
  if (!checkAll(createForm, { name: checkSequenceName, value: checkStartValue })) return;
  const name = createForm.querySelector<HTMLInputElement>('input[name="name"]')!.value;
  const value = createForm.querySelector<HTMLInputElement>('input[name="value"]')!.value;
  const outcome = await api.createSequence(key!, name, value);
  if (!outcome.ok) {
    if (!keyRefused(outcome.errors)) showApiErrors(createForm, outcome.errors);
    return;
  }
  createForm.reset();
  record(`${name}: created at ${outcome.value.value}`);
  await refresh();
  view.sequences.querySelector<HTMLButtonElement>(`[data-sequence="${name}"] button`)?.focus();
});

element('forget-key').addEventListener('click', () => {
  holdKey(undefined);
  showStart();
  element<HTMLInputElement>('signup-email').focus();
});

// Copy buttons: the clipboard API where the page is a secure context (https, localhost),
// otherwise select the text so the user can copy it by hand.
document.querySelectorAll<HTMLButtonElement>('button[data-copy]').forEach((button) => {
  button.addEventListener('click', async () => {
    const source = element(button.dataset.copy!);
    const text = source instanceof HTMLInputElement ? source.value : source.textContent ?? '';
    const status = element(button.closest('#new-key') ? 'copy-new-key-status' : 'copy-curl-status');
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = 'Copied to the clipboard.';
    } catch {
      if (source instanceof HTMLInputElement) source.select();
      else window.getSelection()?.selectAllChildren(source);
      status.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
    }
  });
});

// A key already held by this tab (a reload) goes straight to the dashboard.
key = readStoredKey();
if (key === undefined) {
  showStart();
} else {
  showDashboard();
  void refresh();
}
