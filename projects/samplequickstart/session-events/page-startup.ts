// seeds/002, Page Startup: runs when a page starts in a new tab or window (not when navigating an open page).
export default function (page: Flint.Page) {
  const pageId = page.props.pageId;
  const pagePath = page.props.path;
  const sessionId = page.session.props.id;
  page.session.custom.lastPage = pagePath;
  system.util.getLogger('Page').info(`Page ${pageId} (${pagePath}) started in session ${sessionId}`);
}
