import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiFailure, type FieldProblem } from './api';
import { T } from './text';

export type Load<D> = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ok'; data: D };

/** Runs `load` when deps change; `reload` runs it again. */
export function useLoad<D>(load: () => Promise<D>, deps: unknown[]): [Load<D>, () => void] {
  const [st, setSt] = useState<Load<D>>({ state: 'loading' });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setSt({ state: 'ok', data }),
      (error: unknown) => live && setSt({ state: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return [st, useCallback(() => setN((x) => x + 1), [])];
}

/** The text for a failed request: 404 always reads "not found" (not yours reads the same). */
export function failureText(e: unknown): string {
  if (!(e instanceof ApiFailure)) return T.networkError;
  if (e.status === 0) return T.networkError;
  if (e.status === 404) return T.notFound;
  if (e.status === 403) return T.forbidden;
  if (e.status === 401) return T.sessionExpired;
  if (e.status === 429) return T.tooManyLogins;
  return T.serverError(e.code, e.message);
}

export function ErrorBox({ error }: { error: unknown }) {
  return html`<p class="error" role="alert" data-status=${error instanceof ApiFailure ? error.status : 0}>${failureText(error)}</p>`;
}

export function Notice({ text }: { text: string | undefined }) {
  return text ? html`<p class="notice" role="status">${text}</p>` : null;
}

/** Renders a Load: a spinner text, the error, or the children of the data. */
export function Loaded<D>({ load, children }: { load: Load<D>; children: (d: D) => ComponentChildren }) {
  if (load.state === 'loading') return html`<p aria-busy="true">${T.loading}</p>`;
  if (load.state === 'error') return html`<${ErrorBox} error=${load.error} />`;
  return html`${children(load.data)}`;
}

/** The message of the field problem at a JSON pointer ('/name'), if any. */
export function problemAt(problems: readonly FieldProblem[], field: string): string | undefined {
  return problems.find((p) => p.path === `/${field}` || p.path.startsWith(`/${field}/`))?.message;
}

let fieldSeq = 0;

/** A labelled input; an API validation message shows under it, tied by aria-describedby. */
export function Field(props: {
  label: string;
  name: string;
  value: string;
  onInput: (v: string) => void;
  error?: string | undefined;
  type?: string;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  disabled?: boolean;
}) {
  const [id] = useState(() => `f-${props.name}-${++fieldSeq}`);
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-err` : ''].filter(Boolean).join(' ');
  return html`<div class=${props.error ? 'field invalid' : 'field'}>
    <label for=${id}>${props.label}</label>
    <input
      id=${id}
      name=${props.name}
      type=${props.type ?? 'text'}
      value=${props.value}
      required=${props.required ?? false}
      disabled=${props.disabled ?? false}
      autocomplete=${props.autocomplete ?? 'off'}
      aria-invalid=${props.error ? 'true' : 'false'}
      aria-describedby=${described || undefined}
      onInput=${(e: Event) => props.onInput((e.target as HTMLInputElement).value)}
    />
    ${props.hint ? html`<small id=${`${id}-hint`}>${props.hint}</small>` : null}
    ${props.error ? html`<span class="field-error" id=${`${id}-err`}>${props.error}</span>` : null}
  </div>`;
}

export function Select(props: { label: string; name: string; value: string; options: Array<[string, string]>; onChange: (v: string) => void; error?: string | undefined }) {
  const [id] = useState(() => `s-${props.name}-${++fieldSeq}`);
  return html`<div class=${props.error ? 'field invalid' : 'field'}>
    <label for=${id}>${props.label}</label>
    <select id=${id} name=${props.name} value=${props.value} aria-invalid=${props.error ? 'true' : 'false'} aria-describedby=${props.error ? `${id}-err` : undefined} onChange=${(e: Event) => props.onChange((e.target as HTMLSelectElement).value)}>
      ${props.options.map(([v, l]) => html`<option value=${v} selected=${v === props.value}>${l}</option>`)}
    </select>
    ${props.error ? html`<span class="field-error" id=${`${id}-err`}>${props.error}</span>` : null}
  </div>`;
}

export function Checkbox(props: { label: string; name: string; checked: boolean; onChange: (v: boolean) => void }) {
  const [id] = useState(() => `c-${props.name}-${++fieldSeq}`);
  return html`<div class="field check">
    <input id=${id} name=${props.name} type="checkbox" checked=${props.checked} onChange=${(e: Event) => props.onChange((e.target as HTMLInputElement).checked)} />
    <label for=${id}>${props.label}</label>
  </div>`;
}

/** A plain data table with a caption (screen readers announce it). */
export function Table(props: { caption: string; head: string[]; rows: ComponentChildren[][]; testId?: string }) {
  if (props.rows.length === 0) return html`<p>${props.caption}: ${T.none}</p>`;
  return html`<table data-testid=${props.testId}>
    <caption>${props.caption}</caption>
    <thead><tr>${props.head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
    <tbody>${props.rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody>
  </table>`;
}

export function Page(props: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · ${T.appName}`;
  }, [props.title]);
  return html`<section aria-labelledby="page-title"><h1 id="page-title">${props.title}</h1>${props.children}</section>`;
}

export function time(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
