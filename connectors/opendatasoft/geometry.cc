#include "connectors/opendatasoft/geometry.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"

namespace proactive {
namespace {

using json = nlohmann::json;

absl::StatusOr<Area::Ring> ParseRing(const json& ring) {
  if (!ring.is_array() || ring.size() < 4) {
    return absl::InvalidArgumentError("a ring needs at least 4 positions");
  }
  Area::Ring out;
  for (const json& position : ring) {
    if (!position.is_array() || position.size() < 2 || !position[0].is_number() || !position[1].is_number()) {
      return absl::InvalidArgumentError("a position must be [lon, lat]");
    }
    out.push_back({position[0].get<double>(), position[1].get<double>()});
  }
  return out;
}

absl::StatusOr<Area::Polygon> ParsePolygon(const json& rings) {
  if (!rings.is_array() || rings.empty()) {
    return absl::InvalidArgumentError("a polygon needs an outer ring");
  }
  Area::Polygon polygon;
  for (const json& ring : rings) {
    ASSIGN_OR_RETURN(Area::Ring parsed, ParseRing(ring));
    polygon.push_back(std::move(parsed));
  }
  return polygon;
}

// Even-odd rule on one ring.
bool InRing(const Area::Ring& ring, LonLat p) {
  bool inside = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const LonLat& a = ring[i];
    const LonLat& b = ring[j];
    if ((a.lat > p.lat) != (b.lat > p.lat) && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon) {
      inside = !inside;
    }
  }
  return inside;
}

}  // namespace

Area::Area(std::vector<Polygon> polygons) : polygons_(std::move(polygons)) {
  min_lon_ = min_lat_ = std::numeric_limits<double>::max();
  max_lon_ = max_lat_ = std::numeric_limits<double>::lowest();
  for (const Polygon& polygon : polygons_) {
    for (const LonLat& p : polygon.front()) {
      min_lon_ = std::min(min_lon_, p.lon);
      max_lon_ = std::max(max_lon_, p.lon);
      min_lat_ = std::min(min_lat_, p.lat);
      max_lat_ = std::max(max_lat_, p.lat);
    }
  }
}

bool Area::Contains(LonLat point) const {
  if (point.lon < min_lon_ || point.lon > max_lon_ || point.lat < min_lat_ || point.lat > max_lat_) {
    return false;
  }
  for (const Polygon& polygon : polygons_) {
    if (!InRing(polygon.front(), point)) continue;
    bool in_hole = false;
    for (size_t h = 1; h < polygon.size() && !in_hole; ++h) in_hole = InRing(polygon[h], point);
    if (!in_hole) return true;
  }
  return false;
}

absl::StatusOr<Area> ParseArea(const json& input) {
  const json* geometry = &input;
  if (input.is_object() && input.value("type", "") == "Feature") {
    if (!input.contains("geometry")) return absl::InvalidArgumentError("a Feature without geometry");
    geometry = &input["geometry"];
  }
  if (!geometry->is_object() || !geometry->contains("coordinates")) {
    return absl::InvalidArgumentError("not a GeoJSON geometry (no \"coordinates\")");
  }
  const std::string type = geometry->value("type", "");
  const json& coordinates = (*geometry)["coordinates"];
  std::vector<Area::Polygon> polygons;
  if (type == "Polygon") {
    ASSIGN_OR_RETURN(Area::Polygon polygon, ParsePolygon(coordinates));
    polygons.push_back(std::move(polygon));
  } else if (type == "MultiPolygon") {
    if (!coordinates.is_array()) return absl::InvalidArgumentError("MultiPolygon without polygons");
    for (const json& rings : coordinates) {
      ASSIGN_OR_RETURN(Area::Polygon polygon, ParsePolygon(rings));
      polygons.push_back(std::move(polygon));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat("geometry type \"", type, "\" is not Polygon or MultiPolygon"));
  }
  if (polygons.empty()) return absl::InvalidArgumentError("an empty MultiPolygon");
  return Area(std::move(polygons));
}

absl::StatusOr<LonLat> ParsePoint(const json& input) {
  if (input.is_object() && input.contains("lon") && input.contains("lat") && input["lon"].is_number() &&
      input["lat"].is_number()) {
    return LonLat{input["lon"].get<double>(), input["lat"].get<double>()};
  }
  if (input.is_object() && input.value("type", "") == "Point" && input.contains("coordinates")) {
    const json& c = input["coordinates"];
    if (c.is_array() && c.size() >= 2 && c[0].is_number() && c[1].is_number()) {
      return LonLat{c[0].get<double>(), c[1].get<double>()};
    }
  }
  if (input.is_array() && input.size() == 2 && input[0].is_number() && input[1].is_number()) {
    return LonLat{input[1].get<double>(), input[0].get<double>()};
  }
  return absl::InvalidArgumentError("not a point ({\"lon\": .., \"lat\": ..})");
}

}  // namespace proactive
