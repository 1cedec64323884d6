package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rms/store"
)

// bindOptional is bind for a body that may be left out entirely.
func bindOptional(c echo.Context, v any) error {
	r := c.Request()
	if r.ContentLength == 0 || (r.ContentLength < 0 && r.Body == http.NoBody) {
		return nil
	}
	return bind(c, v)
}

func (s *Server) handlePrinterList(c echo.Context) error {
	printers, seq, err := s.store.Printers(c.Request().Context())
	if err != nil {
		return err
	}
	setSeq(c, seq)
	return c.JSON(http.StatusOK, printers)
}

// handlePrinterStatus is what every staff screen may know of the printers
// (no addresses): the KDS and the floor show one that is offline.
func (s *Server) handlePrinterStatus(c echo.Context) error {
	printers, seq, err := s.store.Printers(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]store.PrinterState, len(printers))
	for i, p := range printers {
		out[i] = p.State()
	}
	setSeq(c, seq)
	return c.JSON(http.StatusOK, out)
}

func (s *Server) handlePrinterCreate(c echo.Context) error {
	var in store.PrinterInput
	if err := bind(c, &in); err != nil {
		return err
	}
	p, err := s.store.CreatePrinter(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) handlePrinterUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in store.PrinterInput
	if err := bind(c, &in); err != nil {
		return err
	}
	p, err := s.store.UpdatePrinter(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) handlePrinterDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeletePrinter(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) handlePrinterTest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	j, err := s.store.PrintTest(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, j)
}

type billPrintRequest struct {
	PrinterID int64 `json:"printer_id"`
}

func (s *Server) handleBillPrint(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in billPrintRequest
	if err := bindOptional(c, &in); err != nil {
		return err
	}
	if in.PrinterID < 0 {
		return invalid("printer_id", "must be a printer's id")
	}
	j, err := s.store.PrintBill(c.Request().Context(), id, in.PrinterID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, j)
}

type ticketPrintRequest struct {
	Station string `json:"station"`
	Course  int64  `json:"course"`
}

type ticketPrintResponse struct {
	Jobs []store.PrintJob `json:"jobs"`
}

// handleTicketReprint prints an order's kitchen tickets again, on the
// printers of their stations, headed REPRINT.
func (s *Server) handleTicketReprint(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in ticketPrintRequest
	if err := bindOptional(c, &in); err != nil {
		return err
	}
	if in.Course < 0 {
		return invalid("course", "must be a course number (1 is the first)")
	}
	jobs, err := s.store.ReprintTickets(c.Request().Context(), id, in.Station, in.Course)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, ticketPrintResponse{Jobs: jobs})
}
