"""Extract the park editor's trace layers around Otterlo from the BGT download (run once).

Reads the PDOK BGT extract of 2020-08-05 (``bgt_otterlo_20200805.zip``, 2 × 2 km around
Otterlo, gemeente Ede) and writes two small files into ``geodata/``:

* ``bag/otterlo_bag_adrespunten.gpkg``: the BAG address points that the BGT buildings carry
  (``nummeraanduidingreeks``: the label position of a house number with the BAG id of the
  verblijfsobject), public open data (BAG, CC0) — no unit data of any kind;
* ``bgt/bgt_otterlo_scheiding.gpkg``: BGT ``scheiding`` (fences, walls), current objects only,
  simplified by 0.1 m.

Objects with an ``eindRegistratie`` are history and left out. Usage::

    python scripts/extract_trace_layers.py /work/shared/sources/bgt-otterlo/bgt_otterlo_20200805.zip
"""

from __future__ import annotations

import argparse
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from zicht.schemas import RD_NEW

ROOT = Path(__file__).resolve().parents[1]
IMGEO = "{http://www.geostandaarden.nl/imgeo/2.1}"
GML = "{http://www.opengis.net/gml}"


def address_points(pand_gml: Path) -> gpd.GeoDataFrame:
    """Every house-number label of a current BGT building, with its BAG ids."""
    rows: list[dict[str, object]] = []
    for _, element in ET.iterparse(pand_gml, events=("end",)):
        if not element.tag.endswith("BuildingPart"):
            continue
        if element.find(f"{IMGEO}eindRegistratie") is not None:
            element.clear()
            continue
        pand = element.findtext(f"{IMGEO}identificatieBAGPND") or ""
        for series in element.iter(f"{IMGEO}Nummeraanduidingreeks"):
            vbo = series.findtext(f"{IMGEO}identificatieBAGVBOLaagsteHuisnummer") or ""
            for label in series.iter(f"{IMGEO}Label"):
                pos = label.find(f".//{GML}pos")
                if pos is None or not pos.text:
                    continue
                x, y = (float(v) for v in pos.text.split()[:2])
                rows.append(
                    {
                        "bag_vbo_id": vbo,
                        "bag_pand_id": pand,
                        "huisnummer": label.findtext(f"{IMGEO}tekst") or "",
                        "geometry": shapely.Point(x, y),
                    }
                )
        element.clear()
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=RD_NEW)


def fences(scheiding_gml: Path) -> gpd.GeoDataFrame:
    """Read the current BGT scheidingen (``bgt_type``: hek, muur …), simplified by 0.1 m."""
    frame = pyogrio.read_dataframe(scheiding_gml)
    frame = frame[frame["eindRegistratie"].isna()]
    out = gpd.GeoDataFrame(
        {"bgt_type": frame["bgt-type"].astype("str").to_numpy()},
        geometry=frame.geometry.simplify(0.1).to_numpy(),
        crs=RD_NEW,
    )
    return out[~out.geometry.is_empty].reset_index(drop=True)


def main() -> None:
    """Write the two files from the BGT zip."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bgt_zip", type=Path)
    parser.add_argument("--geodata", type=Path, default=ROOT / "geodata")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(args.bgt_zip) as archive:
        archive.extract("bgt_pand.gml", tmp)
        archive.extract("bgt_scheiding.gml", tmp)
        points = address_points(Path(tmp) / "bgt_pand.gml")
        lines = fences(Path(tmp) / "bgt_scheiding.gml")
    points_path = args.geodata / "bag" / "otterlo_bag_adrespunten.gpkg"
    fences_path = args.geodata / "bgt" / "bgt_otterlo_scheiding.gpkg"
    for path in (points_path, fences_path):
        path.unlink(missing_ok=True)
    points.to_file(points_path, layer="adrespunt", driver="GPKG")
    lines.to_file(fences_path, layer="scheiding", driver="GPKG")
    print(f"{len(points)} BAG address points -> {points_path}")
    print(f"{len(lines)} BGT scheidingen -> {fences_path}")


if __name__ == "__main__":
    main()
