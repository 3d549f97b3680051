/**
 * The tabbed panel under the editor: Problems, Log, Sessions and Test. Each panel is a `<section data-panel=...>` of
 * index.html with a tab button `[data-tab=...]`; the panel modules (live.ts, test-panel.ts) fill their own section.
 */

export type PanelName = 'problems' | 'log' | 'sessions' | 'test';

export function showPanel(name: PanelName): void {
  for (const tab of document.querySelectorAll<HTMLButtonElement>('#panel-tabs [data-tab]'))
    tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll<HTMLElement>('#panels [data-panel]')) panel.hidden = panel.dataset.panel !== name;
}

export function mountPanels(): void {
  for (const tab of document.querySelectorAll<HTMLButtonElement>('#panel-tabs [data-tab]'))
    tab.addEventListener('click', () => showPanel(tab.dataset.tab as PanelName));
  showPanel('problems');
}

/** Shows a count beside a tab's name (problems, new log errors); 0 hides it. */
export function setTabBadge(name: PanelName, count: number): void {
  const badge = document.querySelector<HTMLElement>(`#panel-tabs [data-tab="${name}"] .badge`);
  if (badge) badge.textContent = count > 0 ? String(count) : '';
}
