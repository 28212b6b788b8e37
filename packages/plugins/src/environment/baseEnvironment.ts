/**
 * What every task sees in strict mode without declaring it, and none of it is hashed: where
 * programs, the user's files and temporary files are, the locale and time zone, the terminal
 * and colour settings, the network proxy and CA settings, the package managers' own settings,
 * and `CI`. Turborepo passes a similar set (HOME, PATH, SHELL, TZ, LANG, CI, TERM, TMP...).
 * Listed in docs/configuration.md#environment; a variable here that a build's output depends on
 * goes in `env` or `globalEnv` (`globalEnv: ['CI']`) to be hashed.
 */
export const BASE_ENV: readonly string[] = [
  // programs, the user, the shell
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LD_LIBRARY_PATH', 'DYLD_FALLBACK_LIBRARY_PATH', 'XDG_*',
  // temporary files, locale, time zone
  'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LANGUAGE', 'LC_*', 'TZ',
  // terminal and colour
  'TERM', 'COLORTERM', 'TERM_PROGRAM', 'NO_COLOR', 'FORCE_COLOR', 'COLUMNS', 'LINES',
  // continuous integration
  'CI',
  // network: proxies and certificate authorities
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'all_proxy', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  // package managers' settings and homes
  'npm_config_*', 'COREPACK_HOME', 'PNPM_HOME',
  // Windows
  'SYSTEMROOT', 'SYSTEMDRIVE', 'WINDIR', 'COMSPEC', 'PATHEXT', 'USERPROFILE', 'USERNAME', 'HOMEDRIVE', 'HOMEPATH', 'APPDATA', 'LOCALAPPDATA', 'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)',
];

/**
 * Variables loose mode leaves out of the hash although tasks see them: they name a terminal, a
 * login session, a shell's state, the script orch was started from, or one CI run, and change
 * from run to run without changing what a build does. Also orch's own (`ORCH_*`).
 */
export const VOLATILE_ENV: readonly string[] = [
  // the shell and the terminal
  'PWD', 'OLDPWD', 'SHLVL', '_', 'COLUMNS', 'LINES', 'TERM_SESSION_ID', 'TERM_PROGRAM_VERSION', 'WINDOWID', 'ITERM_SESSION_ID', 'KITTY_WINDOW_ID', 'WT_SESSION', 'TMUX', 'TMUX_PANE', 'STY', 'VTE_VERSION', 'VSCODE_*',
  // the login session
  'SSH_CLIENT', 'SSH_CONNECTION', 'SSH_TTY', 'SSH_AUTH_SOCK', 'GPG_TTY', 'XDG_SESSION_*', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY', 'XAUTHORITY', 'INVOCATION_ID', 'JOURNAL_STREAM', 'SYSTEMD_EXEC_PID', 'MANAGERPID', 'SECURITYSESSIONID', '__CF_*', 'Apple_PubSub_Socket_Render', 'LaunchInstanceID',
  // the package-manager script orch was started from (`npm test`, `pnpm build`)
  'npm_*', 'INIT_CWD', 'PNPM_SCRIPT_SRC_DIR', 'NODE',
  // one CI run
  'GITHUB_RUN_*', 'GITHUB_JOB', 'GITHUB_ACTION', 'GITHUB_ACTION_*', 'GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_PATH', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'ACTIONS_*', 'RUNNER_TRACKING_ID', 'CI_JOB_*', 'CI_PIPELINE_ID', 'CI_PIPELINE_IID', 'BUILD_ID', 'BUILD_NUMBER', 'BUILDKITE_BUILD_ID', 'BUILDKITE_JOB_ID', 'CIRCLE_BUILD_NUM', 'CIRCLE_WORKFLOW_*',
  // orch's own
  'ORCH_*',
];
