import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api';
import { pickWsUrl, targetUri } from '../dial-target';
import { Softphone, type PhoneState } from '../softphone';
import { T } from '../text';
import { Field, Loaded, Notice, Page, useLoad } from '../ui';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** A user's (or an extension admin's) browser softphone: connect with the SIP password, then call, answer, hold, DTMF, transfer. */
export function PhonePage({ api, ext, username }: { api: ApiClient; ext: string; username: string }) {
  const [load] = useLoad(() => api.get<{ sipWs?: string[] }>('/session'), []);
  return html`<${Page} title=${T.phoneTitle}>
    <${Loaded} load=${load}>${(s: { sipWs?: string[] }) => {
      const wsUrl = pickWsUrl(s.sipWs ?? [], location.protocol);
      if (!wsUrl) return html`<p class="error" role="alert">${T.noSipWs}</p>`;
      return html`<${PhonePanel} wsUrl=${wsUrl} ext=${ext} domain=${username.slice(username.lastIndexOf('@') + 1)} />`;
    }}<//>
  <//>`;
}

function PhonePanel({ wsUrl, ext, domain }: { wsUrl: string; ext: string; domain: string }) {
  const audio = useRef<HTMLAudioElement>(null);
  const phone = useRef<Softphone>();
  const [state, setState] = useState<PhoneState>({ registration: 'idle', call: 'none', held: false });
  const [password, setPassword] = useState('');
  const [dial, setDial] = useState('');
  const [dialError, setDialError] = useState<string>();
  const [transferTo, setTransferTo] = useState('');
  const [transferError, setTransferError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  // Leaving the page disconnects: nothing (the password included) outlives it.
  useEffect(() => () => void phone.current?.unregister(), []);

  const connect = async (e: Event) => {
    e.preventDefault();
    await phone.current?.unregister();
    const p = new Softphone({ wsUrl, ext, domain, password, audio: () => audio.current, onChange: setState });
    phone.current = p;
    setPassword('');
    await p.register();
  };
  const disconnect = async () => {
    await phone.current?.unregister();
    phone.current = undefined;
  };
  const call = (e: Event) => {
    e.preventDefault();
    setNotice(undefined);
    if (targetUri(dial, domain) === undefined || !phone.current?.call(dial)) setDialError(T.badNumber);
    else setDialError(undefined);
  };
  const transfer = (e: Event) => {
    e.preventDefault();
    if (targetUri(transferTo, domain) === undefined || !phone.current?.transfer(transferTo)) setTransferError(T.badNumber);
    else {
      setTransferError(undefined);
      setNotice(T.transferSent);
    }
  };

  const consult = async () => {
    if (targetUri(transferTo, domain) === undefined || !(await phone.current?.consult(transferTo))) setTransferError(T.badNumber);
    else {
      setTransferError(undefined);
      setNotice(undefined);
    }
  };
  const completeTransfer = () => {
    if (phone.current?.completeTransfer()) setNotice(T.transferSent);
  };

  const registered = state.registration === 'registered';
  const inCall = state.call === 'active';
  return html`<section aria-labelledby="phone-account">
      <h2 id="phone-account">${T.phoneAccount}</h2>
      <p role="status" data-testid="registration">${T.registration[state.registration]}</p>
      ${!registered && state.problem ? html`<p class="error" data-testid="registration-problem">${T.problem(state.problem)}</p>` : null}
      ${registered
        ? html`<button type="button" onClick=${disconnect}>${T.unregister}</button>`
        : html`<form onSubmit=${connect}>
            <${Field} label=${T.sipUser} name="sip-user" value=${`${ext}@${domain}`} onInput=${() => undefined} disabled=${true} />
            <${Field} label=${T.phoneSipPassword} name="sip-password" type="password" value=${password} onInput=${setPassword} required=${true} hint=${T.sipPasswordHint} autocomplete="current-password" />
            <button type="submit" disabled=${state.registration === 'connecting'}>${T.register}</button>
          </form>`}
    </section>
    ${registered
      ? html`<section aria-labelledby="phone-call">
          <h2 id="phone-call">${T.call}</h2>
          <p role="status" data-testid="call-status">${T.withPeer(state.held ? T.onHold : T.callStatus[state.call] ?? '', state.call === 'none' || state.call === 'ended' ? '' : state.peer ?? '')}</p>
          ${state.problem ? html`<p class="error" data-testid="call-problem">${T.problem(state.problem)}</p>` : null}
          <${Notice} text=${notice} />
          ${state.call === 'incoming'
            ? html`<div class="actions">
                <button type="button" onClick=${() => phone.current?.answer()}>${T.answer}</button>
                <button type="button" onClick=${() => void phone.current?.hangup()}>${T.decline}</button>
              </div>`
            : null}
          ${state.call === 'none' || state.call === 'ended'
            ? html`<form onSubmit=${call}>
                <${Field} label=${T.dialNumber} name="dial" value=${dial} onInput=${setDial} required=${true} error=${dialError} autocomplete="tel" />
                <button type="submit">${T.call}</button>
              </form>`
            : null}
          ${state.call === 'calling' || inCall
            ? html`<div class="actions">
                <button type="button" onClick=${() => void phone.current?.hangup()}>${T.hangUp}</button>
                ${inCall ? html`<button type="button" aria-pressed=${state.held ? 'true' : 'false'} onClick=${() => void phone.current?.hold(!state.held)}>${state.held ? T.resume : T.hold}</button>` : null}
              </div>`
            : null}
          ${inCall
            ? html`<fieldset class="keypad">
                  <legend>${T.keypad}</legend>
                  ${KEYS.map((k) => html`<button type="button" aria-label=${T.sendDigit(k)} onClick=${() => void phone.current?.dtmf(k)}>${k}</button>`)}
                </fieldset>
                ${state.dtmfVia ? html`<p data-testid="dtmf-via" data-via=${state.dtmfVia}><small>${T.dtmfVia[state.dtmfVia]}</small></p>` : null}
                ${state.consult
                  ? html`<div class="actions" role="group" aria-label=${T.consultation}>
                      <p role="status" data-testid="consult-status">${T.consultStatus(state.consult, state.consultPeer ?? '')}</p>
                      <button type="button" disabled=${state.consult !== 'active'} onClick=${completeTransfer}>${T.completeTransfer}</button>
                      <button type="button" onClick=${() => void phone.current?.cancelConsult()}>${T.cancelConsult}</button>
                    </div>`
                  : html`<form onSubmit=${transfer}>
                      <${Field} label=${T.transferTo} name="transfer" value=${transferTo} onInput=${setTransferTo} required=${true} error=${transferError} />
                      <button type="submit">${T.transfer}</button>
                      <button type="button" onClick=${consult}>${T.consultFirst}</button>
                    </form>`}`
            : null}
        </section>`
      : null}
    <audio ref=${audio} autoplay aria-label=${T.remoteAudio} data-testid="remote-audio"></audio>`;
}
