//go:build unix

package harness

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the harness in a process group of its own, so that a
// kill reaches whatever it spawned too.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the harness's process group (its pgid is its pid).
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		_ = cmd.Process.Kill()
	}
}
