// seeds/002, Form Submission example: logs the data, and answers a field error when the email is missing.
// The script also gets formContext, sessionContext and retry after data; this one needs only the data.
export default function (_session: Flint.Session, data: JsonObject): Flint.FormSubmissionResponse {
  const logger = system.util.getLogger('Form');
  logger.info('Received form submission: ' + JSON.stringify(data));
  if (!data.email) {
    return {
      success: false,
      title: 'Missing Required Field',
      message: 'Email address is required.',
      fieldErrors: { email: { title: 'Required', message: 'Please enter your email.' } },
    };
  }
  return { success: true, title: 'Form Submitted', message: 'Thank you for your submission!' };
}
