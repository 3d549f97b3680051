/** Project and handler names follow Flint's one name rule (engine/names.ts), re-exported for engine/projects. */
export { isValidName, nameProblem } from '../names.ts';
