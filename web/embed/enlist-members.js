// <enlist-members proxy="https://…" services="guardduty,detective" regions="us-east-1,eu-west-1">
// The whole Enlist app in any page, in its own shadow root (so the page's styles and the app's do
// not mix), talking to the signing proxy at `proxy` (empty: the page's own origin).
import init, { mount } from './enlist-ui.js';

let ready;

class EnlistMembers extends HTMLElement {
  static observedAttributes = [];

  async connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('link');
    style.rel = 'stylesheet';
    style.href = new URL('./enlist.css', import.meta.url).href;
    const host = document.createElement('div');
    host.className = 'enlist';
    root.append(style, host);
    ready ??= init({ module_or_path: new URL('./enlist-ui_bg.wasm', import.meta.url) });
    await ready;
    const list = (name) => (this.getAttribute(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const config = { proxyUrl: this.getAttribute('proxy') ?? '' };
    if (list('services').length) config.services = list('services');
    if (list('regions').length) config.regions = list('regions');
    mount(host, config);
  }
}

if (!customElements.get('enlist-members')) customElements.define('enlist-members', EnlistMembers);
