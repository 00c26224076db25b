import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { DESTINATION_KINDS, destinationOf, pickerValue, type Destination } from '../destination-value';
import { T } from '../text';
import type { DestinationNames } from './destination-names';

let pickerSeq = 0;

/**
 * The one control for every field that takes a flow destination (inbound routes, ring-group
 * fallbacks, IVR options, time-condition branches, queue overflow): a kind, then its target
 * with this tenant's names as suggestions. `optional` adds "none" (the field is left out).
 * The API's message for the field (or anything under it, like '/open/ext') shows below it.
 */
export function DestinationPicker(props: {
  label: string;
  name: string;
  value: unknown;
  onChange: (d: Destination | undefined) => void;
  names: DestinationNames;
  optional?: boolean;
  error?: string | undefined;
}) {
  const [id] = useState(() => `d-${props.name.replace(/[^a-zA-Z0-9_-]/g, '_')}-${++pickerSeq}`);
  const { kind, target } = pickerValue(props.value);
  const hints = props.names[kind] ?? [];
  const needsTarget = kind !== '' && kind !== 'hangup';
  const kinds: Array<[string, string]> = [...(props.optional ? [['', T.destNone] as [string, string]] : kind === '' ? [['', T.destChoose] as [string, string]] : []), ...DESTINATION_KINDS.map(([k]) => [k, T.destKinds[k] ?? k] as [string, string])];
  return html`<fieldset class=${props.error ? 'dest invalid' : 'dest'} aria-describedby=${props.error ? `${id}-err` : undefined} data-testid=${`dest-${props.name}`}>
    <legend>${props.label}</legend>
    <div class="field">
      <label for=${`${id}-kind`}>${T.destKind}</label>
      <select id=${`${id}-kind`} name=${`${props.name}-kind`} value=${kind} aria-invalid=${props.error ? 'true' : 'false'} onChange=${(e: Event) => props.onChange(destinationOf((e.target as HTMLSelectElement).value, ''))}>
        ${kinds.map(([v, l]) => html`<option value=${v} selected=${v === kind}>${l}</option>`)}
      </select>
    </div>
    ${needsTarget
      ? html`<div class="field">
          <label for=${`${id}-target`}>${T.destTargets[kind] ?? T.destTarget}</label>
          <input id=${`${id}-target`} name=${`${props.name}-target`} value=${target} list=${hints.length > 0 ? `${id}-list` : undefined} autocomplete="off" aria-invalid=${props.error ? 'true' : 'false'} aria-describedby=${props.error ? `${id}-err` : undefined} onInput=${(e: Event) => props.onChange(destinationOf(kind, (e.target as HTMLInputElement).value))} />
          ${hints.length > 0 ? html`<datalist id=${`${id}-list`}>${hints.map((h) => html`<option value=${h.value} label=${h.label}></option>`)}</datalist>` : null}
        </div>`
      : null}
    ${props.error ? html`<span class="field-error" id=${`${id}-err`}>${props.error}</span>` : null}
  </fieldset>`;
}
