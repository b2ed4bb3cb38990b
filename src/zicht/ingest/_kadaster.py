"""The Kadastrale Kaart v5 GML: read as parcel polygons, not as their label points."""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import pyogrio

from zicht.schemas import RD_NEW_EPSG

__all__ = ["is_kadastrale_kaart", "read_kadastrale_kaart"]

#: GDAL reads a Kadastrale Kaart perceel as its label point unless told which geometry
#: element is the parcel; this template names ``begrenzingPerceel``.
_KADASTRALE_KAART_GFS = f"""<GMLFeatureClassList>
  <GMLFeatureClass>
    <Name>Perceel</Name>
    <ElementPath>Perceel</ElementPath>
    <GeomPropertyDefn>
      <Name>begrenzingPerceel</Name><ElementPath>begrenzingPerceel</ElementPath>
      <Type>Polygon</Type>
    </GeomPropertyDefn>
    <SRSName>urn:ogc:def:crs:EPSG::{RD_NEW_EPSG}</SRSName>
    <PropertyDefn><Name>identificatie</Name><ElementPath>identificatie</ElementPath>
      <Type>String</Type></PropertyDefn>
    <PropertyDefn><Name>kadastrale_gemeente</Name>
      <ElementPath>kadastraleAanduiding|TypeKadastraleAanduiding|kadastraleGemeente|KadastraleGemeente|waarde</ElementPath>
      <Type>String</Type></PropertyDefn>
    <PropertyDefn><Name>sectie</Name>
      <ElementPath>kadastraleAanduiding|TypeKadastraleAanduiding|sectie</ElementPath>
      <Type>String</Type></PropertyDefn>
    <PropertyDefn><Name>perceelnummer</Name>
      <ElementPath>kadastraleAanduiding|TypeKadastraleAanduiding|perceelnummer</ElementPath>
      <Type>Integer</Type></PropertyDefn>
    <PropertyDefn><Name>kadastrale_grootte_m2</Name>
      <ElementPath>kadastraleGrootte|TypeOppervlak|waarde</ElementPath>
      <Type>Real</Type></PropertyDefn>
  </GMLFeatureClass>
</GMLFeatureClassList>
"""


def is_kadastrale_kaart(path: str) -> bool:
    with Path(path).open("rb") as fh:
        head = fh.read(4096)
    return b"brkkadastralekaart" in head and b"Perceel" in Path(path).read_bytes()[:200_000]


def read_kadastrale_kaart(path: str) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "perceel.gfs"
        template.write_text(_KADASTRALE_KAART_GFS, encoding="utf-8")
        return pyogrio.read_dataframe(
            path, layer="Perceel", GFS_TEMPLATE=str(template), WRITE_GFS="NO"
        )
