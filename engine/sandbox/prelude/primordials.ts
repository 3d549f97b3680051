// Runs INSIDE the isolate. The built-ins the prelude's entries use, read once while the prelude bundle is evaluated,
// before any user code runs: a script that later replaces JSON.parse, Map or Promise.prototype.then changes nothing
// the prelude does with these. Prelude modules import them from here rather than name the global when they run.
// (serialize.ts, module-helpers.ts and proxy-registry.ts capture what they need at their own top level.)

export const parse = JSON.parse;
export const createObject = Object.create;
export const { apply, defineProperty, deleteProperty } = Reflect;
export const freeze = Object.freeze;
export const MapCtor = Map;
export const PromiseCtor = Promise;
export const promiseResolve = Promise.resolve;
export const promiseThen = Promise.prototype.then;
export const ErrorCtor = Error;
export const StringCtor = String;
export const now = Date.now;
