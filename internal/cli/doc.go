// Package cli is nomadbox's command line: each command copies its flags
// into an options struct and makes one call into a library package.
// Each command is made by a function named after it, in a file named
// after it (chaosCommand in chaos.go, jobRunCommand in job_run.go; a
// subcommand may be written inside its group's definition);
// TestEachCommandInItsOwnFile fails for a command defined elsewhere.
//
// # The command-line convention
//
// Every command follows the same rules; TestCommandLineConvention walks
// the whole command tree and fails when one does not.
//
//   - Flags may come before or after positional arguments:
//     `nomadbox job run jobs/web.nomad.hcl --detach` is
//     `nomadbox job run --detach jobs/web.nomad.hcl`. A flag's value stays
//     with it (`--since 5m`, `--since=5m`). Nothing after `--` moves and
//     nothing after it is read as a flag. For ssh, the remote command
//     starts at the first word after NODE (or after `--`) and is passed
//     on untouched: `nomadbox ssh nomad-client1 ls -la`,
//     `nomadbox ssh nomad-client1 -- -x`.
//   - Exit status 0: the command did what it was asked; 1: it ran and
//     failed (an invalid topology, a failed step, an unhealthy cluster, a
//     cluster with no machines); 2: the command line itself is wrong and
//     nothing was done. Commands that pass a program's status through
//     (ssh NODE -- CMD) say so in their help.
//   - Usage errors, at every level (`nomadbox export logs --bogus` as
//     much as `nomadbox up --bogus`): an unknown command, subcommand or
//     flag, a flag without its value, a flag value that does not parse
//     (`--wait abc`), a missing or extra positional argument, and a node
//     name that the topology does not have. Each is printed on standard
//     error as one line `Error: ...` and one hint
//     `Run 'nomadbox COMMAND --help' for usage.`, never the whole help.
//     A command with subcommands (export, box, job) run without one is
//     a usage error too.
//   - `nomadbox help`, `nomadbox help COMMAND [SUBCOMMAND]` and
//     `nomadbox COMMAND --help` print help on standard output and exit 0;
//     so do `nomadbox --version` and `nomadbox version` for the version.
//   - Node names: every command that takes one (ssh, logs, halt, chaos)
//     refuses a name that is not a node of the topology, with exit 2 and
//     the list of the topology's nodes, before it touches anything.
//   - `-f FILE` (or NOMADBOX_TOPOLOGY) is taken by exactly the commands
//     that read the topology (init: the file to write), and `-o DIR` by
//     exactly the commands that use a render directory; validate reads a
//     topology but no render directory, so it has no -o; init, box
//     build, providers and version have no -o.
//   - Commands that talk to the cluster (provision, verify, env, ssh,
//     logs, export logs, chaos, halt, job plan, job run, job stop,
//     job status, their old spellings plan, run, stop and jobs, load)
//     first ask the provider for the cluster's machines; when there are none
//     they say `no machines for cluster "NAME": run `nomadbox up` first`
//     and exit 1. status, up and destroy work on a cluster without
//     machines.
//   - Every error is printed once. `up --dry-run` writes nothing: no
//     render directory, no log, no saved plan.
//
// CheckCommandLine checks a command line against these rules without
// running it; the docs test uses it on every example in README.md and
// docs/.
package cli
