import express from 'express';

/**
 * Serves the files of `dir` under `urlPath` (for the editor and the session page): content types from the file
 * names, `index.html` for a folder, no directory listings, no dotfiles, nothing outside `dir` (Express's static
 * middleware refuses `..` and resolves inside its root). Anything not found falls through to the API's JSON 404.
 */
export function mountStatic(pages: express.Router, urlPath: string, dir: string): void {
  pages.use(urlPath, express.static(dir, { dotfiles: 'ignore', fallthrough: true, index: 'index.html', redirect: true, etag: true }));
}
