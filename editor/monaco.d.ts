/** Monaco's editor features without the languages Flint does not use (client/editor-build.ts makes this module). */
declare module 'flint:monaco';
