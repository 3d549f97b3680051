import { FlintError, type ErrorData } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { errorOf, isOk, valueJsonOf, type Outcome } from '../outcome.ts';
import { formResponseProblem, type FormResponse, type FormStore } from './form-store.ts';
import type { Session } from './session.ts';

/** A form submission as the client sends it (`submitForm`). */
export interface FormSubmission {
  id: string;
  name: string;
  data: Record<string, unknown>;
  formContext: Record<string, unknown>;
  sessionContext: Record<string, unknown>;
  retry: boolean;
}

/** The response to a submission whose script failed (threw, timed out, returned no valid response). */
export const FORM_FAILED: FormResponse = {
  success: false,
  title: 'Submission failed',
  message: 'The form could not be processed. Try again later, or contact your administrator.',
};

/** The response to a submission whose run a gateway stop cut short (it is not run again: it may have had effects). */
export const FORM_INTERRUPTED: FormResponse = {
  success: false,
  title: 'Submission interrupted',
  message: 'The gateway stopped while processing this form. Check whether it took effect before submitting it again.',
};

/** What form submissions need of the session layer. */
export interface FormDeps {
  store: FormStore;
  logger: Logger;
  hasScript(session: Session, name: string): boolean;
  /** Why the session may not submit now (its rate of client events), or undefined. */
  admit(session: Session): ErrorData | undefined;
  /** Runs `session-events/form-submission/<name>` as `(session, ...args)` in the session's turn. */
  run(session: Session, name: string, args: unknown[]): Promise<Outcome>;
}

/** Form submissions (seeds/002), processed at most once per project and submission id (docs/protocol.md). */
export class FormSubmissions {
  private readonly deps: FormDeps;
  /** Submissions whose script is running, by project and id: a duplicate waits for the same response. */
  private readonly running = new Map<string, Promise<FormResponse>>();

  constructor(deps: FormDeps) {
    this.deps = deps;
  }

  /**
   * A form submission (seeds/002) with the client's submission id: its script runs at most once per id and project,
   * as `(session, data, formContext, sessionContext, retry)`. A duplicate (a retry after a lost answer, another tab,
   * a restart) gets the stored response without the script running again. The submission is recorded as started
   * before the script runs and its response before the answer; a submission whose run a gateway crash cut short is
   * never run again (it may have had its effects): it is answered FORM_INTERRUPTED and kept in the store. A script
   * that throws, or returns what is not a response, gives a generic failure; the details go to the log only. One the
   * gateway could not run at all (the session's line full, the session gone) is not recorded: the client tries again.
   */
  async submit(session: Session, submission: FormSubmission): Promise<FormResponse> {
    const { id, name } = submission;
    const key = `${session.project}\u0000${id}`;
    const running = this.running.get(key);
    if (running) return running;
    const record = this.deps.store.get(session.project, id);
    if (record?.state === 'done') return record.response!;
    if (record?.state === 'started') {
      this.deps.logger.warn(`form submission ${id} of project "${session.project}" was cut short by a gateway stop; it is not run again`, {
        project: session.project,
      });
      this.deps.store.done(session.project, id, FORM_INTERRUPTED);
      return FORM_INTERRUPTED;
    }
    if (!this.deps.hasScript(session, name))
      throw new FlintError('NOT_FOUND', `project "${session.project}" has no form submission script "${name}"`);
    const refused = this.deps.admit(session);
    if (refused) throw FlintError.from(refused);
    this.deps.store.start(session.project, id, name, submission.data);
    const run = this.runForm(session, submission);
    this.running.set(key, run);
    try {
      return await run;
    } finally {
      this.running.delete(key);
    }
  }

  private async runForm(session: Session, submission: FormSubmission): Promise<FormResponse> {
    const { id, name, data, formContext, sessionContext, retry } = submission;
    const outcome = await this.deps.run(session, name, [data, formContext, sessionContext, retry]);
    let response: FormResponse = FORM_FAILED;
    if (isOk(outcome)) {
      const value = JSON.parse(valueJsonOf(outcome)) as unknown;
      const problem = value === null ? undefined : formResponseProblem(value);
      if (problem)
        this.deps.logger.warn(`form submission script "${name}" of project "${session.project}" returned no valid response: ${problem}`, {
          project: session.project,
        });
      else response = value === null ? { success: true } : (value as FormResponse);
    } else if (!errorOf(outcome).location && ['QUOTA_EXCEEDED', 'PROJECT_UNAVAILABLE', 'NOT_FOUND'].includes(errorOf(outcome).code)) {
      // The script never ran: nothing is recorded, and the client's retry can be processed.
      this.deps.store.forget(session.project, id);
      throw FlintError.from(errorOf(outcome));
    }
    this.deps.store.done(session.project, id, response);
    return response;
  }
}
