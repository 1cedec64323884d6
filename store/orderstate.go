package store

// The order state machine: which moves exist and which roles may make them.
// SetOrderStatus and CancelOrder (orders.go) apply it.

import "fmt"

// transitions is the order state machine: for each allowed move, the roles
// that may make it. served -> paid happens only through a payment.
var transitions = map[[2]string][]string{
	{StatusPending, StatusConfirmed}:   {RoleAdmin, RoleWaiter},
	{StatusConfirmed, StatusPreparing}: {RoleAdmin, RoleChef},
	{StatusPreparing, StatusReady}:     {RoleAdmin, RoleChef},
	{StatusReady, StatusPreparing}:     {RoleAdmin, RoleChef},
	{StatusReady, StatusServed}:        {RoleAdmin, RoleWaiter},
	{StatusPending, StatusCancelled}:   {RoleAdmin, RoleWaiter, RoleCustomer},
	{StatusConfirmed, StatusCancelled}: {RoleAdmin, RoleWaiter},
	{StatusPreparing, StatusCancelled}: {RoleAdmin, RoleWaiter},
}

// checkTransition returns an ErrConflict for a move the machine does not
// allow and an ErrForbidden for a role that may not make it.
func checkTransition(from, to, role string) error {
	if to == StatusPaid && from == StatusServed {
		return conflictf("an order becomes paid only through a payment")
	}
	roles, ok := transitions[[2]string{from, to}]
	if !ok {
		return conflictf("an order cannot go from %s to %s", from, to)
	}
	for _, r := range roles {
		if r == role {
			return nil
		}
	}
	return &ForbiddenError{Msg: fmt.Sprintf("a %s may not move an order from %s to %s", role, from, to)}
}

// AnyRoleMayMoveTo tells whether role may make some move into status; it
// lets callers answer 403 before they look at an order.
func AnyRoleMayMoveTo(role, status string) bool {
	for k, roles := range transitions {
		if k[1] != status {
			continue
		}
		for _, r := range roles {
			if r == role {
				return true
			}
		}
	}
	return false
}
