/** One floating tooltip per page; content is built with DOM nodes (never innerHTML from data). */
export interface Tooltip {
  show(event: MouseEvent, title: string, rows: [string, string][]): void;
  hide(): void;
}

export function createTooltip(parent: HTMLElement = document.body): Tooltip {
  const el = document.createElement('div');
  el.className = 'tooltip';
  el.setAttribute('role', 'tooltip');
  el.hidden = true;
  parent.append(el);
  return {
    show(event, title, rows) {
      el.replaceChildren();
      const h = document.createElement('strong');
      h.textContent = title;
      const table = document.createElement('table');
      for (const [k, v] of rows) {
        const tr = table.insertRow();
        const th = document.createElement('th');
        th.textContent = k;
        tr.append(th);
        tr.insertCell().textContent = v;
      }
      el.append(h, table);
      el.hidden = false;
      const pad = 14;
      const { innerWidth, innerHeight } = window;
      const rect = el.getBoundingClientRect();
      const x = event.clientX + pad + rect.width > innerWidth ? event.clientX - rect.width - pad : event.clientX + pad;
      const y = event.clientY + pad + rect.height > innerHeight ? event.clientY - rect.height - pad : event.clientY + pad;
      el.style.left = `${Math.max(0, x)}px`;
      el.style.top = `${Math.max(0, y)}px`;
    },
    hide() {
      el.hidden = true;
    },
  };
}
