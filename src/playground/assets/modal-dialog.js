/* global document */
// The bot's modals (views.open / views.update) and a button's confirm
// dialog, both as native <dialog>s: focus is trapped and Escape works as
// in Slack (it closes the modal, or answers "deny").
import { renderBlock, renderPlainTextInput, setInputError } from './block-kit.js';
import { renderPlainText, renderTextObject } from './mrkdwn.js';

export class ModalDialog {
  /**
   * @param {HTMLDialogElement} dialog
   * @param {{
   *   names: Map<string, string>,
   *   demoFill?: { callbackId: string, blockId: string, actionId: string, sql: string },
   *   onSubmit: (viewId: string, values: object) => Promise<{ ok: boolean, errors?: object }>,
   *   onClose: (viewId: string) => Promise<void>,
   * }} options
   */
  constructor(dialog, options) {
    this.dialog = dialog;
    this.options = options;
    this.key = undefined;
    this.viewId = undefined;
    // Closed here: a poll answered before the server heard of it must not reopen them.
    this.closedIds = new Set();
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      void this.close();
    });
  }

  /** Shows `state` (id, hash, view, errors); a new hash rebuilds the form, the same one keeps what was typed. */
  show(state) {
    if (this.closedIds.has(state.id)) return;
    const key = `${state.id}:${state.hash}`;
    if (key !== this.key) {
      this.key = key;
      this.viewId = state.id;
      this.build(state.view);
    }
    this.showErrors(state.errors ?? {});
    if (!this.dialog.open) this.dialog.showModal();
  }

  hide() {
    this.key = undefined;
    this.viewId = undefined;
    if (this.dialog.open) this.dialog.close();
  }

  async close() {
    const viewId = this.viewId;
    if (viewId) this.closedIds.add(viewId);
    this.hide();
    if (viewId) await this.options.onClose(viewId);
  }

  build(view) {
    const { names, demoFill } = this.options;
    const form = document.createElement('form');
    form.className = 'modal-form';
    form.noValidate = true;

    const header = document.createElement('header');
    header.className = 'modal-header';
    const title = document.createElement('h2');
    title.id = 'modal-title';
    title.append(renderPlainText(view.title));
    const x = document.createElement('button');
    x.type = 'button';
    x.className = 'modal-x';
    x.setAttribute('aria-label', 'Close');
    x.textContent = '✕';
    x.addEventListener('click', () => void this.close());
    header.append(title, x);

    const body = document.createElement('div');
    body.className = 'modal-body';
    const general = document.createElement('p');
    general.className = 'modal-error';
    general.setAttribute('role', 'alert');
    general.hidden = true;
    body.append(general);
    const renderInput = (block) => {
      const offerDemo =
        demoFill &&
        view.callback_id === demoFill.callbackId &&
        block.block_id === demoFill.blockId &&
        block.element?.action_id === demoFill.actionId;
      let extra;
      if (offerDemo) {
        extra = document.createElement('button');
        extra.type = 'button';
        extra.className = 'bk-button demo-fill';
        extra.textContent = 'Use the demo v2 SQL';
        extra.addEventListener('click', () => {
          const field = form.querySelector(`#input-${block.block_id}-${block.element.action_id}`);
          if (!field) return;
          field.value = demoFill.sql;
          field.focus();
        });
      }
      return renderPlainTextInput(block, { extra });
    };
    for (const block of view.blocks ?? []) {
      body.append(renderBlock(block, { names, interactive: false, renderInput }));
    }

    const footer = document.createElement('footer');
    footer.className = 'modal-footer';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'bk-button';
    cancel.append(renderPlainText(view.close ?? { text: view.submit ? 'Cancel' : 'Close' }));
    cancel.addEventListener('click', () => void this.close());
    footer.append(cancel);
    if (view.submit) {
      const submit = document.createElement('button');
      submit.type = 'submit';
      submit.className = 'bk-button bk-primary';
      submit.append(renderPlainText(view.submit));
      footer.append(submit);
    }
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit(form);
    });
    form.append(header, body, footer);
    this.dialog.replaceChildren(form);
  }

  async submit(form) {
    const values = {};
    for (const field of form.querySelectorAll('.bk-field-input')) {
      const { blockId, actionId } = field.dataset;
      values[blockId] ??= {};
      values[blockId][actionId] = field.value;
    }
    const submit = form.querySelector('button[type="submit"]');
    const viewId = this.viewId;
    if (submit) submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const outcome = await this.options.onSubmit(viewId, values);
      if (this.viewId !== viewId) return;
      if (outcome.errors) this.showErrors(outcome.errors);
      else if (outcome.closed) {
        this.closedIds.add(viewId);
        this.hide();
      }
    } finally {
      if (submit) submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  showErrors(errors) {
    const form = this.dialog.querySelector('form');
    if (!form) return;
    const unplaced = [];
    const wraps = [...form.querySelectorAll('.bk-input')];
    for (const [blockId, message] of Object.entries(errors)) {
      if (!wraps.some((w) => w.dataset.blockId === blockId)) unplaced.push(message);
    }
    for (const wrap of wraps) setInputError(wrap, errors[wrap.dataset.blockId]);
    const general = form.querySelector('.modal-error');
    general.textContent = unplaced.join('\n');
    general.hidden = unplaced.length === 0;
  }
}

/**
 * A button's `confirm` object as Slack shows it; resolves true only when
 * the person pressed the confirm button.
 * @param {HTMLDialogElement} dialog
 */
export function askToConfirm(dialog, confirm, names) {
  return new Promise((resolve) => {
    const title = document.createElement('h2');
    title.id = 'confirm-title';
    title.append(renderPlainText(confirm.title ?? { text: 'Are you sure?' }));
    const text = document.createElement('div');
    text.className = 'confirm-text';
    text.append(renderTextObject(confirm.text, { names }));
    const deny = document.createElement('button');
    deny.type = 'button';
    deny.className = 'bk-button';
    deny.append(renderPlainText(confirm.deny ?? { text: 'Cancel' }));
    const ok = document.createElement('button');
    ok.type = 'button';
    ok.className = `bk-button ${confirm.style === 'danger' ? 'bk-danger' : 'bk-primary'}`;
    ok.append(renderPlainText(confirm.confirm ?? { text: 'Yes' }));
    const footer = document.createElement('footer');
    footer.className = 'modal-footer';
    footer.append(deny, ok);
    dialog.replaceChildren(title, text, footer);

    const finish = (answer) => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    const onCancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    dialog.addEventListener('cancel', onCancel);
    deny.addEventListener('click', () => finish(false));
    ok.addEventListener('click', () => finish(true));
    dialog.showModal();
    deny.focus();
  });
}
