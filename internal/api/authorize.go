package api

import (
	"log/slog"
	"strings"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/user"
)

// authorize applies the permission matrix (user.Operations) to a signed-in
// caller before the handler runs: a role the matrix does not grant the
// operation is a 403, and so is an operation the matrix does not know (fail
// closed; the server log and TestPermissionMatrix say what entry to add).
func authorize(log *slog.Logger, act *app.Actor, operation string) error {
	req, ok := user.Requirement(operation)
	if !ok {
		log.Error("permission matrix", "problem", user.MissingEntry(operation))
		return errs.New(errs.Forbidden, "Operation %s has no permission entry and is refused", operation)
	}
	if user.MayCall(act.User.Role, operation) {
		return nil
	}
	resource, action, _ := strings.Cut(req, ":")
	return errs.New(errs.Forbidden, "Your role (%s) does not allow %s on %s", act.User.Role, action, resource)
}
