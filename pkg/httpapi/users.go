package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"sunshine/pkg/identity"
)

func (s *Server) listUsers(c *fiber.Ctx) error {
	users, err := s.Admin.List(c.UserContext(), c.Query("tenant"), c.Query("q"))
	if err != nil {
		return err
	}
	return c.JSON(Items(users))
}

func (s *Server) getUser(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.Admin.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

type createdUser struct {
	User            *identity.StaffUser `json:"user"`
	OneTimePassword string              `json:"one_time_password"`
}

func (s *Server) createUser(c *fiber.Ctx) error {
	var in identity.CreateInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	u, pw, err := s.Admin.Create(c.UserContext(), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(createdUser{User: u, OneTimePassword: pw})
}

func (s *Server) updateUser(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in identity.UpdateInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	u, err := s.Admin.Update(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) resetPassword(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	pw, err := s.Admin.ResetPassword(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"one_time_password": pw})
}

func (s *Server) grantRole(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in identity.GrantInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	u, err := s.Admin.Grant(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) revokeRole(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.Admin.Revoke(c.UserContext(), id, c.Params("role"))
	if err != nil {
		return err
	}
	return c.JSON(u)
}
