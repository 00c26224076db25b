import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, isStale, type FieldProblem } from '../api';
import { unplaced } from '../field-problems';
import { T } from '../text';
import { ErrorBox, Notice } from '../ui';

/** What a form shows after a request: the API's field problems, another failure, or a notice. */
export interface FormState {
  problems: readonly FieldProblem[];
  error: unknown;
  notice: string | undefined;
  busy: boolean;
  /** Runs one request; a 422 with details fills `problems` (re-rooted by `reroot`), any other failure `error`. */
  run: (fn: () => Promise<string | undefined>, reroot?: (p: readonly FieldProblem[]) => FieldProblem[]) => Promise<boolean>;
}

export function useFormState(): FormState {
  const [problems, setProblems] = useState<readonly FieldProblem[]>([]);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run: FormState['run'] = async (fn, reroot) => {
    setProblems([]);
    setError(undefined);
    setNotice(undefined);
    setBusy(true);
    try {
      setNotice(await fn());
      return true;
    } catch (err) {
      if (err instanceof ApiFailure && err.fields.length > 0) setProblems(reroot ? reroot(err.fields) : err.fields);
      else setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { problems, error, notice, busy, run };
}

/** Above the buttons: "correct the marked fields", the problems no field shows, other failures (a 412 is StaleAlert's, at the top), the notice. */
export function FormAlerts({ state, fields }: { state: FormState; fields: readonly string[] }) {
  const rest = unplaced(state.problems, fields);
  return html`${state.problems.length > 0
      ? html`<div class="error" role="alert" data-testid="form-problems"><p>${T.fixErrors}</p>${rest.length > 0 ? html`<ul>${rest.map((p) => html`<li>${p.path || T.wholeItem}: ${p.message}</li>`)}</ul>` : null}</div>`
      : null}
    ${state.error && !isStale(state.error) ? html`<${ErrorBox} error=${state.error} />` : null}
    <${Notice} text=${state.notice} />`;
}

/**
 * Delete with confirmation, in the page (no window.confirm): the first button asks, the
 * question takes the focus and offers "Yes, delete" and "Cancel"; Escape cancels.
 */
export function ConfirmDelete({ what, onConfirm }: { what: string; onConfirm: () => void | Promise<void> }) {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  if (!asking) return html`<button type="button" class="danger" onClick=${() => setAsking(true)}>${T.removeThing(what)}</button>`;
  return html`<div role="alertdialog" aria-labelledby="confirm-delete-q" class="confirm" onKeyDown=${(e: KeyboardEvent) => e.key === 'Escape' && setAsking(false)}>
    <p id="confirm-delete-q">${T.confirmRemove(what)}</p>
    <button type="button" class="danger" ref=${yes} onClick=${async () => {
      setAsking(false);
      await onConfirm();
    }}>${T.yesRemove}</button>
    <button type="button" class="secondary" onClick=${() => setAsking(false)}>${T.cancel}</button>
  </div>`;
}

/** A multi-line text area, labelled, with the API's message under it. */
let areaSeq = 0;
export function TextArea(props: { label: string; name: string; value: string; onInput: (v: string) => void; hint?: string; error?: string | undefined; rows?: number }) {
  const [id] = useState(() => `a-${props.name}-${++areaSeq}`);
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-err` : ''].filter(Boolean).join(' ');
  return html`<div class=${props.error ? 'field invalid' : 'field'}>
    <label for=${id}>${props.label}</label>
    <textarea id=${id} name=${props.name} rows=${props.rows ?? 3} aria-invalid=${props.error ? 'true' : 'false'} aria-describedby=${described || undefined} value=${props.value} onInput=${(e: Event) => props.onInput((e.target as HTMLTextAreaElement).value)}></textarea>
    ${props.hint ? html`<small id=${`${id}-hint`}>${props.hint}</small>` : null}
    ${props.error ? html`<span class="field-error" id=${`${id}-err`}>${props.error}</span>` : null}
  </div>`;
}
