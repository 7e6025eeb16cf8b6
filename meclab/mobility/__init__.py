"""Application mobility: who serves a moving terminal, and relocating to a nearer instance.

MEC 021's application mobility service is the REST face (:mod:`meclab.services.ams`); this
package is the MEC system behind it: the registrations, the relocation procedure (one state
machine, :mod:`.procedure`), and the manager that runs it on engine events and the lifecycle.
"""
