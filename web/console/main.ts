import { render } from 'preact';
import { html } from 'htm/preact';
import { ApiClient } from './api';
import { App } from './app';
import './console.css';

// The composition root of the page: one API client, handed down.
const root = document.getElementById('app');
if (root) render(html`<${App} api=${new ApiClient()} />`, root);
