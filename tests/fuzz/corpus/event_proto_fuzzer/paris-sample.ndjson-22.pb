
_
civ-1979-0030P0030H030"
etat-civil*€Â¯ð2
arrondissement2

birth_date	2»