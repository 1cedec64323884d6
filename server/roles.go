package server

// Who may do what: the role sets of the routes (routes.go names one per
// route), the realtime room rules, and a customer's own table. The roles
// are the store's constants.

import (
	"slices"

	"github.com/labstack/echo/v4"

	"rms/store"
)

// Role sets used by the routes.
var (
	anyRole    = []string{store.RoleAdmin, store.RoleWaiter, store.RoleChef, store.RoleCustomer}
	staff      = []string{store.RoleAdmin, store.RoleWaiter, store.RoleChef}
	floorStaff = []string{store.RoleAdmin, store.RoleWaiter}
	kitchen    = []string{store.RoleAdmin, store.RoleChef}
	adminOnly  = []string{store.RoleAdmin}
	// customerAndFloor may place and cancel orders.
	customerAndFloor = []string{store.RoleAdmin, store.RoleWaiter, store.RoleCustomer}
)

// knownRoom reports whether room names a room of the realtime protocol;
// "table" stands for table:{id}, whose id comes in the subscribe data.
func knownRoom(room string) bool {
	switch room {
	case store.RoomOrders, store.RoomTables, store.RoomKDS, store.RoomMenu, "table":
		return true
	}
	return false
}

// mayJoin applies the contract's room rules: everyone may follow the menu;
// the floor follows orders and tables; all staff follow the kitchen; a
// table's room is open to staff and to that table's own iPad.
func mayJoin(p Principal, room string, tableID int64) bool {
	switch room {
	case store.RoomMenu:
		return true
	case store.RoomOrders, store.RoomTables:
		return slices.Contains(floorStaff, p.Role)
	case store.RoomKDS:
		return slices.Contains(staff, p.Role)
	}
	if slices.Contains(staff, p.Role) {
		return true
	}
	return p.Role == store.RoleCustomer && tableID == p.TableID
}

// ownTable rejects a customer asking about another table.
func ownTable(c echo.Context, tableID int64) error {
	p := principal(c)
	if p.Role == store.RoleCustomer && p.TableID != tableID {
		return forbidden("this table's iPad may only see its own table")
	}
	return nil
}
