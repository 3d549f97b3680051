/**
 * "New project…" in the editor's header: a name and an optional title, sent to `POST /api/editor/create-project`,
 * which answers once the gateway has loaded the project; the page then shows it in the tree, where files can be
 * created in it at once. The form is index.html's `#new-project-form`.
 */
import { call } from './api.ts';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

export interface NewProjectHooks {
  /** Called with the new project's name once the gateway has it (refresh the tree, open its project.json). */
  created(name: string): Promise<void>;
  /** A line in the header's status. */
  status(state: string, text: string): void;
}

export function mountNewProject(hooks: NewProjectHooks): void {
  const form = $<HTMLFormElement>('#new-project-form');
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  $('#new-project').addEventListener('click', () => {
    form.hidden = false;
    $('#new-project-error').textContent = '';
    field('name').focus();
  });
  $('#new-project-cancel').addEventListener('click', () => (form.hidden = true));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = field('name').value;
    const title = field('title').value.trim();
    void call<{ name: string }>('POST', '/api/editor/create-project', { name, ...(title ? { title } : {}) }).then(
      async (created) => {
        form.reset();
        form.hidden = true;
        await hooks.created(created.name);
        hooks.status('saved', `project "${created.name}" created and loaded`);
      },
      (error: Error) => {
        $('#new-project-error').textContent = error.message;
        hooks.status('error', `project not created: ${error.message}`);
      },
    );
  });
}
