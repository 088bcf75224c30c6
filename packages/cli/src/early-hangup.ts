/**
 * SIGHUP heard before the command says what it means. Node's default action for it ends the process, so the
 * executable holds it from its first line (while modules load) and the command takes it over: the proxy
 * with a config reloads once it is up; every other command gets the default action back.
 */
let heard = false;
const note = (): void => {
  heard = true;
};

/** Holds SIGHUP until {@link releaseHangup}. */
export function holdHangup(): void {
  process.on('SIGHUP', note);
}

/** Stops holding SIGHUP; true when one came while held. */
export function releaseHangup(): boolean {
  process.off('SIGHUP', note);
  const came = heard;
  heard = false;
  return came;
}
