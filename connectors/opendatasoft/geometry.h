// Just enough GeoJSON for school sectors: polygons and multipolygons (with
// holes) in lon/lat, and the point-in-polygon test that finds the sector of an
// address. Coordinates are treated as planar: exact for the even-odd rule on
// city-sized areas.
//
//   ASSIGN_OR_RETURN(Area sector, ParseArea(record["geo_shape"]));
//   ASSIGN_OR_RETURN(LonLat point, ParsePoint(record["geo_point_2d"]));
//   if (sector.Contains(point)) ...
#ifndef PROACTIVE_CONNECTORS_OPENDATASOFT_GEOMETRY_H_
#define PROACTIVE_CONNECTORS_OPENDATASOFT_GEOMETRY_H_

#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace proactive {

struct LonLat {
  double lon = 0;
  double lat = 0;
};

// A multipolygon: each polygon is an outer ring then its holes.
class Area {
 public:
  using Ring = std::vector<LonLat>;
  using Polygon = std::vector<Ring>;

  explicit Area(std::vector<Polygon> polygons);
  // True when `point` is inside one polygon and in none of its holes. A point
  // exactly on an edge may go either way.
  bool Contains(LonLat point) const;

 private:
  std::vector<Polygon> polygons_;
  double min_lon_, min_lat_, max_lon_, max_lat_;  // bounding box
};

// A GeoJSON Polygon or MultiPolygon geometry, or a Feature holding one (as the
// Opendatasoft geo_shape field is). INVALID_ARGUMENT saying what is wrong.
absl::StatusOr<Area> ParseArea(const nlohmann::json& json);

// An Opendatasoft geo_point_2d {"lon": .., "lat": ..}, a GeoJSON Point, or a
// [lat, lon] pair (the order of the older API versions).
absl::StatusOr<LonLat> ParsePoint(const nlohmann::json& json);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_OPENDATASOFT_GEOMETRY_H_
