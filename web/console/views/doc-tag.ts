import { html } from 'htm/preact';
import { isStale } from '../api';
import { T } from '../text';
import type { FormState } from './form-kit';

/**
 * The ETag of the document a form was loaded from (a Preact ref): sent as If-Match when the
 * form saves, replaced by the tag the save answers. Two admins editing at once: the second
 * save is refused (412) instead of silently undoing the first.
 */
export interface DocTag {
  current: string | undefined;
}

/**
 * At the top of a form: the save was refused because someone else changed the document since
 * the form was loaded. What the user typed stays in the form; reloading shows the other change.
 */
export function StaleAlert({ state }: { state: FormState }) {
  if (!isStale(state.error)) return null;
  return html`<div class="error" role="alert" data-testid="stale-alert"><p>${T.changedElsewhere}</p>
    <p><button type="button" class="secondary" onClick=${() => location.reload()}>${T.reloadForm}</button></p></div>`;
}
