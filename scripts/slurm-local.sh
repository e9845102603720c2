#!/usr/bin/env bash
# slurm-local.sh: a real one-node Slurm cluster on this machine (localhost only), for running robust's sharded
# evaluation as a job array (deploy/slurm/) and for scripts/slurm-check.sh.
#
#   scripts/slurm-local.sh start    install slurm-wlm and munge with apt if missing, then start munged,
#                                   slurmctld and slurmd and wait until the node is idle (a second start
#                                   with everything up does nothing)
#   scripts/slurm-local.sh stop     cancel this cluster's jobs and stop the daemons it started
#   scripts/slurm-local.sh status   the daemons, their pids and `sinfo`; exit 0 when all are up, 3 when not
#   scripts/slurm-local.sh env      prints `export SLURM_CONF=…`, for: eval "$(scripts/slurm-local.sh env)"
#
# Configuration: nothing is written under /etc. Everything lives in the state dir $ROBUST_SLURM_DIR
# (default /tmp/robust-slurm): etc/slurm.conf, the munge key and socket, the controller's state, slurmd's
# spool, pid files and logs (log/slurmctld.log, log/slurmd.log, munge/munged.log). Slurm's commands find this
# cluster through SLURM_CONF=$ROBUST_SLURM_DIR/etc/slurm.conf, which must be exported in the shell that calls
# sbatch/squeue/sinfo (jobs inherit it); the `env` subcommand prints that line. Ports: $ROBUST_SLURM_CTLD_PORT
# (6817) and $ROBUST_SLURMD_PORT (6818), bound to 127.0.0.1 only.
#
# The daemons run directly (no systemd, no init scripts), as root, with pid files in the state dir: munged
# with its own key and socket (so a system munged, if any, is neither used nor disturbed), slurmctld and
# slurmd daemonized with -f etc/slurm.conf. The node is the real machine (CPUs and RealMemory from
# `slurmd -C`), one partition `local`, no cgroups (proctrack/linuxproc, task/none), no accounting
# (so `sacct` has nothing; finished jobs stay visible to `scontrol show job` for MinJobAge=3600 s).
set -euo pipefail
cd "$(dirname "$0")/.."

SAY_PREFIX=slurm-local
source scripts/lib/setup-common.sh

STATE_DIR=${ROBUST_SLURM_DIR:-/tmp/robust-slurm}
CTLD_PORT=${ROBUST_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${ROBUST_SLURMD_PORT:-6818}
START_TIMEOUT=${ROBUST_SLURM_START_TIMEOUT:-60}

CONF="$STATE_DIR/etc/slurm.conf"
MUNGE_DIR="$STATE_DIR/munge"
MUNGE_SOCKET="$MUNGE_DIR/munge.socket"
MUNGE_KEY="$STATE_DIR/etc/munge.key"
RUN_DIR="$STATE_DIR/run"
LOG_DIR="$STATE_DIR/log"
SPOOL_DIR="$STATE_DIR/spool"

die() { say "error: $*" >&2; exit 1; }

case "$STATE_DIR" in
  /*) ;;
  *) die "ROBUST_SLURM_DIR must be an absolute path, got '$STATE_DIR'" ;;
esac
for port in "$CTLD_PORT" "$SLURMD_PORT"; do
  [[ "$port" =~ ^[0-9]+$ ]] || die "ports must be numbers, got '$port'"
done

export SLURM_CONF="$CONF"

# The pid in a pid file, when that process is alive and is ours: its command line names this state dir
# (munged --socket=…, slurmctld/slurmd -f …), so a recycled pid is never taken for a daemon.
pid_of() {
  local pid_file="$1" pid
  [ -f "$pid_file" ] || return 1
  pid=$(tr -dc '0-9' <"$pid_file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$STATE_DIR/" || return 1
  echo "$pid"
}

MUNGE_PID="$MUNGE_DIR/munged.pid"
CTLD_PID="$RUN_DIR/slurmctld.pid"
SLURMD_PID="$RUN_DIR/slurmd.pid"

install_packages() {
  # --no-install-recommends: slurm-wlm's recommends are ~30 optional plugin packages (ROCm, HDF5, IPMI, …).
  APT_PACKAGES=(slurm-wlm munge)
  APT_INSTALL_OPTIONS=(--no-install-recommends)
  install_debian_packages
  local tool
  for tool in munged mungekey slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$tool" >/dev/null || die "$tool not found after installing slurm-wlm and munge"
  done
}

write_config() {
  local node_line node cpus sockets cores threads boards memory
  node_line=$(slurmd -C | head -1)
  # NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105
  field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$node_line"; }
  node=$(field NodeName); cpus=$(field CPUs); boards=$(field Boards); sockets=$(field SocketsPerBoard)
  cores=$(field CoresPerSocket); threads=$(field ThreadsPerCore); memory=$(field RealMemory)
  [ -n "$node" ] && [ -n "$cpus" ] && [ -n "$memory" ] || die "cannot read the node from 'slurmd -C': $node_line"
  mkdir -p "$STATE_DIR/etc"
  cat >"$CONF.tmp" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster on this machine. Regenerated at each start.
ClusterName=robust-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
# Listen on 127.0.0.1 only (the SlurmctldHost and NodeAddr addresses), never on all interfaces.
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$STATE_DIR/state
SlurmdSpoolDir=$SPOOL_DIR
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups (a container may have none writable): processes tracked by parent pid, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# No mail on this machine.
MailProg=/bin/true
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# A node that was down (e.g. after a stop) returns by itself when its slurmd registers.
ReturnToService=2
# Finished jobs stay visible to 'scontrol show job' for an hour (there is no accounting database).
MinJobAge=3600
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus Boards=${boards:-1} SocketsPerBoard=${sockets:-1} CoresPerSocket=${cores:-$cpus} ThreadsPerCore=${threads:-1} RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
  NODE="$node"
}

start_munged() {
  if pid_of "$MUNGE_PID" >/dev/null; then return 0; fi
  # munged refuses a socket directory that others cannot enter, and a key that others can read.
  mkdir -p "$MUNGE_DIR"; chmod 0755 "$STATE_DIR" "$MUNGE_DIR"
  if [ ! -s "$MUNGE_KEY" ]; then
    mungekey --create --keyfile="$MUNGE_KEY" --bits=1024 2>/dev/null || die "mungekey could not create $MUNGE_KEY"
  fi
  chmod 0600 "$MUNGE_KEY"
  rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
  munged --socket="$MUNGE_SOCKET" --key-file="$MUNGE_KEY" --pid-file="$MUNGE_PID" \
    --log-file="$MUNGE_DIR/munged.log" --seed-file="$MUNGE_DIR/munged.seed" \
    || die "munged did not start; see $MUNGE_DIR/munged.log"
  await_pid_file munged "$MUNGE_PID" "$MUNGE_DIR/munged.log"
  munge -S "$MUNGE_SOCKET" -n | unmunge -S "$MUNGE_SOCKET" >/dev/null \
    || die "munged is up but a munge/unmunge round trip failed; see $MUNGE_DIR/munged.log"
}

start_slurmctld() {
  if pid_of "$CTLD_PID" >/dev/null; then return 0; fi
  mkdir -p "$STATE_DIR/state" "$RUN_DIR" "$LOG_DIR"
  slurmctld -f "$CONF" || die "slurmctld did not start; see $LOG_DIR/slurmctld.log"
  await_pid_file slurmctld "$CTLD_PID" "$LOG_DIR/slurmctld.log"
}

start_slurmd() {
  if pid_of "$SLURMD_PID" >/dev/null; then return 0; fi
  mkdir -p "$SPOOL_DIR" "$RUN_DIR" "$LOG_DIR"
  slurmd -f "$CONF" -N "$NODE" || die "slurmd did not start; see $LOG_DIR/slurmd.log"
  await_pid_file slurmd "$SLURMD_PID" "$LOG_DIR/slurmd.log"
}

node_state() { sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -1; }

wait_until_idle() {
  local deadline=$((SECONDS + START_TIMEOUT)) state="" resumed=0
  while ((SECONDS < deadline)); do
    pid_of "$CTLD_PID" >/dev/null || die "slurmctld exited; see $LOG_DIR/slurmctld.log"
    pid_of "$SLURMD_PID" >/dev/null || die "slurmd exited; see $LOG_DIR/slurmd.log"
    state=$(node_state || true)
    case "$state" in
      idle) return 0 ;;
      drain*|*drain*)
        if ((resumed == 0)); then
          scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true
          resumed=1
        fi ;;
    esac
    sleep 1
  done
  die "node $NODE is '${state:-not reported}' after ${START_TIMEOUT}s, not idle; see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd.log"
}

# A daemon forks into the background before writing its pid file: wait up to 15 s for the file and the process.
await_pid_file() {
  local name="$1" pid_file="$2" log="$3" i
  for ((i = 0; i < 150; i++)); do
    pid_of "$pid_file" >/dev/null && return 0
    sleep 0.1
  done
  die "$name did not come up (no live pid in $pid_file); see $log"
}

all_running() {
  pid_of "$MUNGE_PID" >/dev/null && pid_of "$CTLD_PID" >/dev/null && pid_of "$SLURMD_PID" >/dev/null
}

# Stops a daemon by the pid in its pid file: TERM, then KILL after 15 s.
stop_pid_file() {
  local name="$1" pid_file="$2" pid i
  pid=$(pid_of "$pid_file") || { rm -f "$pid_file"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
  if [ -d "/proc/$pid" ]; then
    say "$name (pid $pid) still running after 15 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$pid_file"
}

# Processes of this cluster's jobs that outlived slurmd (they do when it dies abruptly): slurmstepd holding a
# socket in our spool dir or started by our slurmd (SLURM_CONF in its environment), and job processes (their
# environment has SLURM_JOB_ID and SLURMD_NODENAME beside our SLURM_CONF). Never this script or its callers.
leftover_pids() {
  local ancestors=" " pid=$$ dir
  while [ "$pid" -gt 1 ] 2>/dev/null; do
    ancestors+="$pid "
    pid=$(sed -E 's/.*\) [A-Za-z] ([0-9]+) .*/\1/' "/proc/$pid/stat" 2>/dev/null || echo 1)
  done
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [[ "$ancestors" == *" $pid "* ]] && continue
    grep -qzxF -- "SLURM_CONF=$CONF" "$dir/environ" 2>/dev/null || continue
    if [ "$(cat "$dir/comm" 2>/dev/null)" = slurmstepd ] \
      || { grep -qz '^SLURM_JOB_ID=' "$dir/environ" 2>/dev/null && grep -qz '^SLURMD_NODENAME=' "$dir/environ" 2>/dev/null; }; then
      echo "$pid"
    fi
  done
}

cmd_stop() {
  local jobs pid i
  if pid_of "$CTLD_PID" >/dev/null; then
    jobs=$(squeue -h -o '%A' 2>/dev/null | tr '\n' ' ' || true)
    if [ -n "${jobs// /}" ]; then
      say "cancelling jobs: $jobs"
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 30; i++)); do
        [ -z "$(squeue -h -o '%A' 2>/dev/null)" ] && break
        sleep 1
      done
    fi
  fi
  stop_pid_file slurmd "$SLURMD_PID"
  stop_pid_file slurmctld "$CTLD_PID"
  local leftovers
  leftovers=$(leftover_pids | tr '\n' ' ')
  if [ -n "${leftovers// /}" ]; then
    say "stopping leftover job processes of this cluster: $leftovers"
    # shellcheck disable=SC2086
    kill -TERM $leftovers 2>/dev/null || true
    # slurmstepd ignores TERM: after 3 s, KILL what is left.
    for ((i = 0; i < 6; i++)); do
      sleep 0.5
      [ -n "$(leftover_pids)" ] || break
    done
    leftovers=$(leftover_pids | tr '\n' ' ')
    # shellcheck disable=SC2086
    [ -z "${leftovers// /}" ] || kill -KILL $leftovers 2>/dev/null || true
  fi
  stop_pid_file munged "$MUNGE_PID"
  say "stopped (state kept in $STATE_DIR)"
}

cmd_start() {
  install_packages
  NODE=$(slurmd -C | sed -n 's/^NodeName=\([^ ]*\).*/\1/p' | head -1)
  local state
  if all_running; then
    state=$(node_state || true)
    case "$state" in
      idle|mixed|allocated|completing)
        say "already running (node $NODE $state): SLURM_CONF=$CONF"
        return 0 ;;
    esac
  fi
  if pid_of "$MUNGE_PID" >/dev/null || pid_of "$CTLD_PID" >/dev/null || pid_of "$SLURMD_PID" >/dev/null; then
    if all_running; then
      say "daemons up; waiting for node $NODE to be idle"
      wait_until_idle
      say "running: node $NODE idle; SLURM_CONF=$CONF"
      return 0
    fi
    say "partly running; restarting"
    cmd_stop
  fi
  mkdir -p "$STATE_DIR"
  write_config
  start_munged
  start_slurmctld
  start_slurmd
  # Jobs still queued now are from before: the cluster died without a stop (a stop cancels them), and Slurm
  # requeued them. This cluster starts empty instead of running them again.
  local stale
  stale=$(squeue -h -o '%A' 2>/dev/null | tr '\n' ' ' || true)
  if [ -n "${stale// /}" ]; then
    say "cancelling jobs left from before the last stop: $stale"
    # shellcheck disable=SC2086
    scancel $stale 2>/dev/null || true
  fi
  wait_until_idle
  say "running: node $NODE idle; SLURM_CONF=$CONF (export it, or: eval \"\$(scripts/slurm-local.sh env)\")"
}

cmd_status() {
  local name pid_file pid up=0
  say "state dir $STATE_DIR, SLURM_CONF=$CONF"
  for name in munged slurmctld slurmd; do
    case "$name" in
      munged) pid_file=$MUNGE_PID ;;
      slurmctld) pid_file=$CTLD_PID ;;
      slurmd) pid_file=$SLURMD_PID ;;
    esac
    if pid=$(pid_of "$pid_file"); then
      say "$name running (pid $pid)"; up=$((up + 1))
    else
      say "$name not running"
    fi
  done
  if ((up == 3)); then
    sinfo -N -o '%N %P %T %c %m' || true
    squeue -o '%i %j %T %M %R' || true
    return 0
  fi
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) printf 'export SLURM_CONF=%q\n' "$CONF" ;;
  *) echo "usage: scripts/slurm-local.sh start|stop|status|env" >&2; exit 2 ;;
esac
