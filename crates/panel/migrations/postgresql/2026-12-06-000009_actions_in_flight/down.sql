DROP TABLE jobs;
DROP TABLE actions_in_flight;
