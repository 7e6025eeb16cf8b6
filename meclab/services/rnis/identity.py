"""Identities RNIS speaks in, derived from the scenario (ETSI GS MEC 012 clause 6.5).

* **Cells.** An E-UTRAN cell is named by its ECGI: the PLMN of its operator (the domain's MCC
  and MNC) and its 28-bit E-UTRAN cell identity (TS 36.413 clause 9.2.1.38); an NR cell by its
  NR CGI: the PLMN and its 36-bit NR cell identity (TS 38.413 clause 9.3.1.7). The GS encodes a
  cell identity "as a bit string"; meclab writes it as that bit string in hexadecimal, upper
  case, zero-padded to 7 (LTE) or 9 (NR) digits, the form the scenario uses (``2A10001``).
  Requests may write it in any case, with ``0x``, with fewer digits, or as the 28/36 binary
  digits themselves: :func:`parse_cell_id` reads all of these.
* **UEs.** A UE's ``associateId`` is the address of its ``acr:`` URI: type 1 UE_IPv4_ADDRESS
  for ``acr:10.0.0.1`` (type 2 for an IPv6 address; a non-IP ``acr:`` name has none). Its
  ``tempUeId`` is an S-TMSI: MMEC ``01`` (meclab runs one MME per operator) and an M-TMSI
  numbered after the UE's place in the scenario, which stays the same for a whole run.
* **S1 bearers** (TS 36.413 clause 9.2.2.1 F-TEID: a transport address and a GTP TEID per
  side). Each eNB (one per cell in meclab) has a transport address in 172.16.0.0/13 numbered
  after the cell's place in the scenario; each operator's S-GW has one in 172.24.0.0/24. The
  S-GW TEID of a bearer is ``(UE number << 4) | E-RAB ID``, fixed while the bearer lives; the
  eNB side uses the same number with the top bit set, so that a TEID alone tells its side. A
  handover moves the eNB end to the target cell's address (the path switch of TS 23.401
  clause 5.5.1.1.2).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

LTE_CELL_ID_BITS = 28
NR_CELL_ID_BITS = 36
LTE_CELL_ID_DIGITS = 7
NR_CELL_ID_DIGITS = 9

RESERVED, UE_IPV4_ADDRESS, UE_IPV6_ADDRESS, NATED_IP_ADDRESS, GTP_TEID = 0, 1, 2, 3, 4
"""AssociateId ``type`` values (ETSI GS MEC 012 clause 6.5.4)."""

MMEC = "01"
ENB_NETWORK = ipaddress.IPv4Network("172.16.0.0/13")
SGW_NETWORK = ipaddress.IPv4Network("172.24.0.0/24")
ENB_TEID_FLAG = 0x8000_0000

AssociateKey = tuple[int, str]
"""An associateId as meclab compares it: (type, value in canonical form)."""


@dataclass(frozen=True, slots=True)
class CellKey:
    """A cell's global identity as meclab compares it: PLMN, radio and numeric cell identity."""

    mcc: str
    mnc: str
    nr: bool
    """True for an NR CGI, False for an ECGI."""
    cell_id: int


def cell_id_text(value: int, nr: bool) -> str:
    """The identity as RNIS writes it: hexadecimal, upper case, 7 (LTE) or 9 (NR) digits."""
    return f"{value:0{NR_CELL_ID_DIGITS if nr else LTE_CELL_ID_DIGITS}X}"


def parse_cell_id(text: str, nr: bool) -> int:
    """A cell identity written in hexadecimal or as its binary digits; ValueError otherwise."""
    bits = NR_CELL_ID_BITS if nr else LTE_CELL_ID_BITS
    raw = text.strip()
    if len(raw) == bits and set(raw) <= {"0", "1"}:
        return int(raw, 2)
    digits = raw[2:] if raw[:2].lower() == "0x" else raw
    try:
        value = int(digits, 16)
    except ValueError:
        raise ValueError(f"{text!r} is not a cell identity in hexadecimal") from None
    if value.bit_length() > bits:
        raise ValueError(f"{text!r} has more than the {bits} bits of a cell identity")
    return value


def scenario_cell_id(text: str | None, nr: bool, index: int) -> int:
    """A PoA's cell identity from its scenario ``cell_id``.

    The scenario loader requires one for every 4G and 5G cell; a world built without the
    loader's checks may lack it, and then the PoA's place in the scenario (plus one) stands in.
    """
    if text is None:
        return index + 1
    return parse_cell_id(text, nr)


def associate_of(address: str) -> AssociateKey | None:
    """The associateId of a UE address such as ``acr:10.0.0.1``; None for a non-IP name."""
    value = address.removeprefix("acr:")
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    return (UE_IPV4_ADDRESS if ip.version == 4 else UE_IPV6_ADDRESS, str(ip))


def normalise_associate(kind: int, value: str) -> AssociateKey:
    """An associateId from a request, in the canonical form; ValueError for a bad value."""
    if kind in (UE_IPV4_ADDRESS, UE_IPV6_ADDRESS, NATED_IP_ADDRESS):
        ip = ipaddress.ip_address(value.strip())
        if kind == UE_IPV4_ADDRESS and ip.version != 4:
            raise ValueError(f"{value!r} is not an IPv4 address")
        if kind == UE_IPV6_ADDRESS and ip.version != 6:
            raise ValueError(f"{value!r} is not an IPv6 address")
        return (kind, str(ip))
    if kind == GTP_TEID:
        return (kind, teid_text(parse_teid(value)))
    return (kind, value)


def parse_teid(text: str) -> int:
    """A GTP TEID written in hexadecimal (``0x`` optional); ValueError otherwise."""
    raw = text.strip()
    digits = raw[2:] if raw[:2].lower() == "0x" else raw
    value = int(digits, 16)
    if not 0 <= value < 2**32:
        raise ValueError(f"{text!r} is not a 32-bit TEID")
    return value


def teid_text(value: int) -> str:
    """A TEID as RNIS writes it: 8 hexadecimal digits, upper case."""
    return f"{value:08X}"


def sgw_teid(ue_index: int, erab_id: int) -> int:
    """The S-GW side TEID of a UE's bearer."""
    return (((ue_index + 1) << 4) | erab_id) & 0x7FFF_FFFF


def enb_teid(ue_index: int, erab_id: int) -> int:
    """The eNB side TEID of a UE's bearer (the S-GW number with the top bit set)."""
    return sgw_teid(ue_index, erab_id) | ENB_TEID_FLAG


def enb_address(cell_index: int) -> str:
    """Transport address of the eNB of a cell."""
    return str(ENB_NETWORK.network_address + 1 + cell_index % (ENB_NETWORK.num_addresses - 2))


def sgw_address(domain_index: int) -> str:
    """Transport address of an operator's S-GW."""
    return str(SGW_NETWORK.network_address + 1 + domain_index % (SGW_NETWORK.num_addresses - 2))


def m_tmsi(ue_index: int) -> str:
    """The M-TMSI meclab gives a UE: its number in the scenario, 8 hexadecimal digits."""
    return f"{(ue_index + 1) & 0xFFFF_FFFF:08X}"


def s_tmsi(ue_index: int) -> str:
    """The S-TMSI (MMEC then M-TMSI, hexadecimal) that ``temp_ue_id`` query values name."""
    return MMEC + m_tmsi(ue_index)
