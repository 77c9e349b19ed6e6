# shellcheck shell=bash
# A real single-node Slurm cluster for tests, with no systemd and nothing
# outside one directory: munged, slurmctld and slurmd run from the installed
# binaries with their config, key, sockets, state, logs and pid files under
# DIR.  Source this file, then:
#
#   slurm_available || { echo "SKIP: no slurm"; exit 77; }
#   dir=$(mktemp -d); trap 'slurm_down "$dir"' EXIT
#   slurm_up "$dir"                  # exports SLURM_CONF
#   id=$(sbatch --parsable ...); slurm_wait_job "$id" 60
#
# Safe under `set -euo pipefail`: every function checks its own commands, as
# `set -e` is off inside a function called from `if`/`||`.

# Binaries the cluster needs; slurm_available checks these.
_SLURM_BINS=(munged slurmctld slurmd sbatch srun squeue sinfo scontrol scancel)

# 0 when the daemons and clients are installed and we are root.  slurmd must
# be root to start jobs (and SlurmUser=root keeps the setup to one user).
slurm_available() {
	local b
	for b in "${_SLURM_BINS[@]}"; do
		command -v "$b" >/dev/null 2>&1 || [[ -x /usr/sbin/$b ]] || return 1
	done
	[[ $(id -u) -eq 0 ]] || return 1
	command -v runuser >/dev/null 2>&1 || ! id -u munge >/dev/null 2>&1 || return 1
	return 0
}

# Daemons live in /usr/sbin, not always on a user's PATH.
_slurm_path() {
	case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin ;; esac
}

# A TCP port P with P and P+1 both free (slurmctld, slurmd).  Random so that
# two clusters (or a run right after another) do not collide.
_slurm_free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		if ! command -v ss >/dev/null 2>&1; then
			echo "$p"
			return 0
		fi
		if [[ -z $(ss -Hltn "( sport = :$p or sport = :$((p + 1)) )" 2>/dev/null) ]]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Print the daemons' logs to stderr (after a failure).
_slurm_logs() {
	local dir=$1 f
	for f in "$dir"/log/munged.log "$dir"/log/slurmctld.log "$dir"/log/slurmd.log \
		"$dir"/log/slurmctld.out "$dir"/log/slurmd.out; do
		[[ -s $f ]] || continue
		echo "==== $f (last 40 lines) ====" >&2
		tail -n 40 "$f" >&2 || true
	done
}

_slurm_fail() {
	local dir=$1
	shift
	echo "slurm_up: $*" >&2
	_slurm_logs "$dir"
	slurm_down "$dir"
	return 1
}

# slurm_up DIR: start munged, slurmctld and slurmd under DIR, wait until the
# node is idle (60 s at most), export SLURM_CONF.  On failure: logs to
# stderr, whatever started is stopped, returns 1.
slurm_up() {
	local dir=${1:?slurm_up DIR}
	dir=$(cd "$dir" && pwd) || return 1
	_slurm_path
	local host cpus mem port mu
	host=$(hostname -s) || return 1
	cpus=$(nproc) || return 1
	# 90% of MemTotal: slurmd drains the node if RealMemory exceeds what it finds.
	mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo 2>/dev/null) || mem=
	[[ $mem =~ ^[0-9]+$ && $mem -gt 0 ]] || mem=1000
	port=$(_slurm_free_port) || { echo "slurm_up: no free port" >&2; return 1; }

	mkdir -p "$dir"/{munge,state,spool,log,run,tmp} || return 1
	chmod 1777 "$dir/tmp" || return 1
	# munged (not root) must reach its files under DIR; mktemp -d makes 0700.
	chmod 0711 "$dir" || return 1

	# munged refuses a key readable by others or owned by another user, and a
	# socket directory others cannot traverse (clients connect there).
	local key=$dir/munge/munge.key sock=$dir/munge/munge.socket
	mu=root
	if id -u munge >/dev/null 2>&1; then mu=munge; fi
	if command -v mungekey >/dev/null 2>&1; then
		mungekey --create --keyfile="$key" --force >/dev/null 2>&1 || return 1
	else
		dd if=/dev/urandom of="$key" bs=1024 count=1 status=none || return 1
	fi
	chown "$mu:" "$key" "$dir/munge" || return 1
	chmod 0400 "$key" || return 1
	chmod 0755 "$dir/munge" || return 1
	: >"$dir/log/munged.log"
	chown "$mu:" "$dir/log/munged.log" || return 1

	# AuthInfo=socket= is how every Slurm piece (daemons, slurmstepd, sbatch,
	# srun, squeue) finds a munged off its default /run/munge socket;
	# libmunge itself has no environment variable for it.
	# MinJobAge=600 keeps finished jobs in `scontrol show job` (no slurmdbd,
	# so no sacct); kill_invalid_depend cancels a job whose afterok can never
	# be met instead of leaving it pending forever (a DependencyParameters
	# option since 22.05, ignored under SchedulerParameters); TmpFS keeps
	# PMIx's per-step client dirs under DIR, not /tmp; batch_sched_delay=0 starts
	# a batch job at once, not up to 3 s later; KillWait=5 so scancel does not
	# hold a stuck job for 30 s; MailProg=/bin/true as there is no /bin/mail.
	cat >"$dir/slurm.conf" <<EOF || return 1
ClusterName=haldtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$dir/plugstack.conf
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
KillWait=5
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
TmpFS=$dir/tmp
MailProg=/bin/true
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
	# An empty plugin stack: otherwise the installed /etc/slurm one is read.
	: >"$dir/plugstack.conf"
	export SLURM_CONF=$dir/slurm.conf

	# munged forks and returns once its socket is listening.
	local -a asmu=()
	[[ $mu == root ]] || asmu=(runuser -u "$mu" --)
	"${asmu[@]}" munged --key-file="$key" --socket="$sock" \
		--pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
		--seed-file="$dir/munge/munged.seed" </dev/null >>"$dir/log/munged.out" 2>&1 ||
		{ _slurm_fail "$dir" "munged did not start"; return 1; }

	# Both daemonise (their pid files are what slurm_down uses); no fd of
	# ours stays open in them, so `smoke.sh | tee` still ends.
	slurmctld -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmctld.out" 2>&1 ||
		{ _slurm_fail "$dir" "slurmctld did not start"; return 1; }
	slurmd -f "$SLURM_CONF" -N "$host" </dev/null >>"$dir/log/slurmd.out" 2>&1 ||
		{ _slurm_fail "$dir" "slurmd did not start"; return 1; }

	local i d pf state=
	for i in $(seq 1 120); do
		state=$(sinfo -h -o %T 2>/dev/null) || state=
		[[ $state == idle ]] && break
		# A daemon that died (bad config, port taken) fails now, not in 60 s.
		for d in slurmctld slurmd; do
			pf=$dir/run/$d.pid
			if [[ -s $pf ]] && ! _slurm_alive "$(<"$pf")"; then
				_slurm_fail "$dir" "$d exited"
				return 1
			elif [[ ! -s $pf ]] && ((i > 20)); then
				_slurm_fail "$dir" "$d wrote no pid file in 10 s"
				return 1
			fi
		done
		sleep 0.5
	done
	[[ $state == idle ]] ||
		{ _slurm_fail "$dir" "node not idle after 60 s (state: '${state:-none}')"; return 1; }
	# One batch job proves munge credentials and job launch work, and takes
	# the scheduler's start-up delay here: slurmctld reads SchedulerParameters
	# only in its first scheduling pass, and till then batch_sched_delay is
	# 3 s, so no batch job starts in its first ~3 s.  Later ones start
	# within ~1 s (and `sbatch --wait` of a short job returns after its
	# first 2 s poll instead of its second, 8 s later).
	local jid
	jid=$(sbatch --parsable -J slurm_up -o /dev/null -D "$dir" --wrap true 2>&1) ||
		{ _slurm_fail "$dir" "sbatch failed: $jid"; return 1; }
	slurm_wait_job "${jid%%;*}" 30 ||
		{ _slurm_fail "$dir" "a first batch job did not complete"; return 1; }
	return 0
}

# 0 when PID runs and is not a zombie.  The daemons are reparented to pid 1,
# which may be slow to reap them (here ~2 s), and kill -0 succeeds on a zombie.
_slurm_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ -n $stat && ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

# Stop the process in pid file FILE if it is still NAME: TERM, up to 15 s,
# then KILL.  Checking the name keeps a recycled pid safe.
_slurm_stop() {
	local file=$1 name=$2 pid i
	[[ -s $file ]] || return 0
	pid=$(<"$file") || return 0
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	[[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || return 0
	_slurm_alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 150); do
		_slurm_alive "$pid" || return 0
		sleep 0.1
	done
	echo "slurm_down: $name ($pid) ignored TERM, killing" >&2
	kill -KILL "$pid" 2>/dev/null || true
	return 0
}

# slurm_down DIR: cancel jobs, stop slurmd, slurmctld, munged.  Idempotent,
# never fails, fine in an EXIT trap (also after a half-done slurm_up).
slurm_down() {
	local dir=${1:-}
	[[ -n $dir && -d $dir ]] || return 0
	_slurm_path
	local conf=$dir/slurm.conf i pid
	# Jobs first, while slurmctld/slurmd can still end them: stopping slurmd
	# leaves its slurmstepds and their tasks running.
	if [[ -s $conf && -s $dir/run/slurmctld.pid ]] &&
		[[ $(cat "/proc/$(<"$dir/run/slurmctld.pid")/comm" 2>/dev/null) == slurmctld ]]; then
		if [[ -n $(SLURM_CONF=$conf squeue -h -o %i 2>/dev/null) ]]; then
			SLURM_CONF=$conf scancel --quiet --user=root 2>/dev/null || true
			for i in $(seq 1 100); do
				[[ -z $(SLURM_CONF=$conf squeue -h -o %i 2>/dev/null) ]] && break
				sleep 0.2
			done
		fi
	fi
	_slurm_stop "$dir/run/slurmd.pid" slurmd
	# A slurmstepd of ours that outlived slurmd (its environ names our conf).
	for pid in $(pgrep -x slurmstepd 2>/dev/null || true); do
		_slurm_alive "$pid" || continue
		if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "SLURM_CONF=$conf"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	_slurm_stop "$dir/run/slurmctld.pid" slurmctld
	_slurm_stop "$dir/munge/munged.pid" munged
	return 0
}

# slurm_wait_job JOBID [TIMEOUT=120]: wait until every record of JOBID (each
# array task; a dependent job is its own JOBID, wait for it separately) is in
# a final state.  0 when all COMPLETED, 1 when any ended otherwise (FAILED,
# CANCELLED, TIMEOUT, ...; printed to stderr), 124 on timeout.
#
# How the outcome is known without slurmdbd (no sacct): `scontrol show job`
# keeps a finished job's JobState and ExitCode for MinJobAge (600 s in
# slurm_up's slurm.conf), so we read it there.
slurm_wait_job() {
	local id=${1:?slurm_wait_job JOBID [TIMEOUT]} timeout=${2:-120}
	local start=$SECONDS out line st bad pending n delay=0.2
	while :; do
		out=$(scontrol -o show job "$id" 2>&1) ||
			{ echo "slurm_wait_job: $id: $out" >&2; return 1; }
		pending=0 bad='' n=0
		while IFS= read -r line; do
			[[ $line =~ (^|\ )JobState=([A-Z_]+) ]] || continue
			st=${BASH_REMATCH[2]}
			n=$((n + 1))
			case $st in
			COMPLETED) ;;
			FAILED | CANCELLED | TIMEOUT | NODE_FAIL | PREEMPTED | BOOT_FAIL | DEADLINE | OUT_OF_MEMORY)
				local jid='?' ec='?'
				[[ $line =~ (^|\ )JobId=([0-9]+) ]] && jid=${BASH_REMATCH[2]}
				[[ $line =~ (^|\ )ExitCode=([0-9:]+) ]] && ec=${BASH_REMATCH[2]}
				bad+="job $jid: $st ExitCode=$ec"$'\n'
				;;
			*) pending=1 ;;
			esac
		done <<<"$out"
		if ((n == 0)); then
			echo "slurm_wait_job: $id: no job state in: $out" >&2
			return 1
		fi
		if ((!pending)); then
			[[ -z $bad ]] && return 0
			printf '%s' "$bad" >&2
			return 1
		fi
		if ((SECONDS - start >= timeout)); then
			echo "slurm_wait_job: $id still queued after ${timeout} s" >&2
			return 124
		fi
		sleep "$delay"
		[[ $delay == 0.2 ]] && delay=0.5
	done
}
