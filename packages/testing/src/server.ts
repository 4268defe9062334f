/**
 * `@authkit/testing/server`: for a Playwright config or global setup (the process that starts
 * a run, not the tests): start an Authkit server and the run's mailbox, and tell which projects
 * the run's command line selected.
 */
export {
  startAuthkitServer,
  type AuthkitServer,
  type AuthkitServerOptions,
} from "./authkit-server";
export { copyTemplate, databaseTemplate } from "./database-template";
export { startMailSpool, type MailSpool } from "./mail-spool";
export { cliTestArgs, selectedProjects, type ProjectFiles } from "./selected-projects";
export { AUTHKIT_ENV } from "./target";
