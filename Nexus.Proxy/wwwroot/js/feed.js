// The live event feed: newest first, filtered by channel and event, pausable, capped.

import { byId, el, formatTime } from './dom.js';

const MaxKept = 500; // events kept for re-filtering
const MaxShown = 200; // list items in the page
const MaxBuffered = 1000; // events held while paused (the count keeps going past it)

// Channel families offered before any event arrives (docs/protocol.md section 2).
const FixedChannels = ['global', 'approval', 'agent:*', 'user:*'];

export class Feed {
  #events = [];
  #buffer = [];
  #bufferedCount = 0;
  #paused = false;
  #channels = new Set();
  #eventNames = new Set();
  #list = byId('feed-list');
  #channelSelect = byId('feed-channel');
  #eventSelect = byId('feed-event');
  #pauseButton = byId('feed-pause');
  #summary = byId('feed-summary');

  constructor() {
    for (const c of FixedChannels) this.#addOption(this.#channelSelect, this.#channels, c);
    this.#channelSelect.addEventListener('change', () => this.#render());
    this.#eventSelect.addEventListener('change', () => this.#render());
    this.#pauseButton.addEventListener('click', () => this.setPaused(!this.#paused));
    byId('feed-clear').addEventListener('click', () => this.clear());
    this.#updateSummary();
  }

  add(notification) {
    if (this.#paused) {
      this.#bufferedCount += 1;
      this.#buffer.push(notification);
      if (this.#buffer.length > MaxBuffered) this.#buffer.shift();
      this.#updatePauseButton();
      return;
    }
    this.#keep(notification);
    if (this.#matches(notification)) {
      this.#list.prepend(this.#item(notification));
      while (this.#list.childElementCount > MaxShown) this.#list.lastElementChild.remove();
    }
    this.#updateSummary();
  }

  setPaused(paused) {
    this.#paused = paused;
    if (!paused && this.#buffer.length > 0) {
      for (const n of this.#buffer) this.#keep(n);
      this.#buffer = [];
      this.#render();
    }
    if (!paused) this.#bufferedCount = 0;
    this.#updatePauseButton();
    this.#updateSummary();
  }

  clear() {
    this.#events = [];
    this.#buffer = [];
    this.#bufferedCount = 0;
    this.#render();
    this.#updatePauseButton();
  }

  #keep(n) {
    this.#events.push(n);
    if (this.#events.length > MaxKept) this.#events.shift();
    this.#addOption(this.#channelSelect, this.#channels, channelOption(n.channel));
    this.#addOption(this.#eventSelect, this.#eventNames, n.event);
  }

  #matches(n) {
    const channel = this.#channelSelect.value;
    const event = this.#eventSelect.value;
    if (event && n.event !== event) return false;
    if (!channel) return true;
    return channel.endsWith('*') ? String(n.channel ?? '').startsWith(channel.slice(0, -1)) : n.channel === channel;
  }

  #render() {
    const shown = this.#events.filter((n) => this.#matches(n)).slice(-MaxShown).reverse();
    this.#list.replaceChildren(...shown.map((n) => this.#item(n)));
    this.#updateSummary();
  }

  #item(n) {
    const data = n.data === undefined ? null : n.data;
    const text = JSON.stringify(data);
    return el('li', { class: 'feed-item', dataset: { event: String(n.event ?? ''), channel: String(n.channel ?? '') } },
      el('time', { class: 'feed-time', datetime: Number.isFinite(n.timestamp) ? new Date(n.timestamp).toISOString() : null }, formatTime(n.timestamp)),
      el('span', { class: 'feed-event' }, String(n.event ?? '')),
      el('span', { class: 'feed-channel' }, String(n.channel ?? '')),
      el('code', { class: 'feed-data' }, text && text.length > 400 ? `${text.slice(0, 400)}…` : text ?? 'null'));
  }

  #addOption(select, seen, value) {
    if (typeof value !== 'string' || value === '' || seen.has(value)) return;
    seen.add(value);
    // Keep options sorted after the leading "All" option, so keyboard users find them.
    const option = el('option', { value }, value);
    const after = [...select.options].slice(1).find((o) => o.value.localeCompare(value) > 0);
    select.insertBefore(option, after ?? null);
  }

  #updatePauseButton() {
    this.#pauseButton.setAttribute('aria-pressed', String(this.#paused));
    this.#pauseButton.textContent = this.#paused
      ? `Resume (${this.#bufferedCount} new${this.#bufferedCount > this.#buffer.length ? `, ${this.#bufferedCount - this.#buffer.length} dropped` : ''})`
      : 'Pause';
  }

  #updateSummary() {
    const shown = this.#list.childElementCount;
    this.#summary.textContent = `${shown} shown of ${this.#events.length} kept (newest first, at most ${MaxShown} shown)${this.#paused ? '; paused' : ''}.`;
  }
}

// agent:<sessionId> channels are many; the filter lists them as one family.
function channelOption(channel) {
  if (typeof channel !== 'string') return '';
  if (channel.startsWith('agent:')) return 'agent:*';
  if (channel.startsWith('user:')) return 'user:*';
  return channel;
}
